"""Chat leases: with several processes on one PostgreSQL, one process at a time handles a chat.

A process takes the lease of a chat before it handles the chat's updates and renews it while it has
work for the chat; another process that receives an update of a held chat stores it and leaves it
pending, and the holder picks it up (:mod:`bot.runtime.shared_inbox`). A lease that is not renewed
runs out, so a dead holder's chats are taken over after one lease period, or at once when its
end is seen (:mod:`bot.runtime.liveness`). Leases live on the
database's clock (``now()``), not the bot's (the sandbox can move that one).

Handling checks the lease in the statement that marks the update done (:data:`HELD`), and
takes a share lock on the lease row there: a process that took the chat over meanwhile has to
wait for that transaction, so two processes never handle one chat's updates at the same time.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import ChatLease


async def acquire(session: AsyncSession, chat_keys: Collection[int], owner: str, seconds: float) -> set[int]:
    """Take or renew the leases of ``chat_keys`` that are free, run out or already ours.

    Returns the chats ``owner`` holds afterwards; the others are held by a live process.
    """
    if not chat_keys:
        return set()
    expires = func.now() + timedelta(seconds=seconds)
    statement = insert(ChatLease).values(
        [{"chat_key": key, "owner": owner, "expires_at": expires} for key in sorted(set(chat_keys))]
    )
    statement = statement.on_conflict_do_update(
        index_elements=[ChatLease.chat_key],
        set_={"owner": statement.excluded.owner, "expires_at": statement.excluded.expires_at},
        where=or_(ChatLease.owner == owner, ChatLease.expires_at < func.now()),
    ).returning(ChatLease.chat_key)
    return set((await session.scalars(statement)).all())


async def take(
    session: AsyncSession, chat_keys: Collection[int], owner: str, seconds: float
) -> dict[int, float]:
    """The chats of ``chat_keys`` that ``owner`` holds now, taking those that are free or run out,
    each with the seconds its lease lasts at least (counted from before this call).

    A chat ``owner`` holds already is not written to (the renewal does that): a lease row is
    share-locked while one of its updates is being handled, and writing it would wait for that.
    A chat another live process holds is left to it without waiting either.
    """
    keys = set(chat_keys)
    if not keys:
        return {}
    rows = await session.execute(
        select(
            ChatLease.chat_key,
            ChatLease.owner,
            func.extract("epoch", ChatLease.expires_at - func.now()),
        ).where(ChatLease.chat_key.in_(sorted(keys)))
    )
    held: dict[int, float] = {}
    elsewhere: set[int] = set()
    for chat_key, holder, left in rows:
        if left is not None and left > 0:
            if holder == owner:
                held[chat_key] = float(left)
            else:
                elsewhere.add(chat_key)
    for chat_key in await acquire(session, keys - held.keys() - elsewhere, owner, seconds):
        held[chat_key] = seconds
    return held


async def renew(session: AsyncSession, chat_keys: Collection[int], owner: str, seconds: float) -> None:
    """Extend ``owner``'s leases of ``chat_keys``; rows a handling transaction holds are skipped.

    A skipped lease is being used right now and is renewed in the next round; waiting for it
    would make every renewal as slow as the slowest update.
    """
    if not chat_keys:
        return
    mine = (
        select(ChatLease.chat_key)
        .where(ChatLease.owner == owner, ChatLease.chat_key.in_(sorted(set(chat_keys))))
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    await session.execute(
        update(ChatLease)
        .where(ChatLease.chat_key.in_(mine))
        .values(expires_at=func.now() + timedelta(seconds=seconds))
    )


async def release_all(session: AsyncSession, owner: str) -> None:
    """Give up every lease of ``owner`` (a process that stops cleanly hands its chats on at once)."""
    await session.execute(delete(ChatLease).where(ChatLease.owner == owner))


# True while the owner holds the chat's lease; it share-locks the lease row. Used in the statement
# that marks an update done, so the lease cannot change hands before that transaction ends. Built
# once (every handled update uses it), with its values from :func:`held_values`.
HELD = exists(
    select(ChatLease.chat_key)
    .where(
        ChatLease.chat_key == bindparam("lease_chat_key"),
        ChatLease.owner == bindparam("lease_owner"),
        ChatLease.expires_at > func.now(),
    )
    .with_for_update(read=True)
)


def held_values(chat_key: int, owner: str) -> dict[str, Any]:
    """The values of :data:`HELD` for ``owner`` holding ``chat_key``."""
    return {"lease_chat_key": chat_key, "lease_owner": owner}
