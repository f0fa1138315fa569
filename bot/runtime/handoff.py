"""Replies handed straight from a handler's commit to the sender, without a claim round.

The rows a handler enqueues for the chat it answers are leased in the handler's own transaction
when no earlier row of that chat is pending, so the sender can make the calls right after the
commit: no second transaction to find and lease them, and nothing another sender could take
(a leased row is not due). A chat with rows still pending keeps its order the usual way: its
new rows wait for the sender's claim behind the earlier ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.runtime.outbox import FRESH_ROWS
from bot.runtime.outbox_rows import LEASE, Claimed, as_claimed
from models import OutboxMessage, OutboxStatus, utcnow


@dataclass(frozen=True)
class HandOff:
    """What one transaction left for the sender: rows leased for sending now, and whether
    other rows wait for its claim."""

    chat_id: int | None = None
    rows: list[Claimed] = field(default_factory=list)
    others_waiting: bool = False


async def lease_fresh(
    session: AsyncSession, chat_id: int | None, owner: str | None, earlier_waiting: bool | None = None
) -> HandOff:
    """Lease the rows this transaction enqueued for ``chat_id`` if none of that chat's earlier rows
    is pending; the rows for other chats (a coordinator's notice) wait for the sender's claim.

    ``earlier_waiting`` is what the transaction found at its start (False: none pending, the
    look is not repeated), or None when it did not look. A row another process commits in
    between is as concurrent as one committed just after a look here would be.
    """
    fresh: list[OutboxMessage] = session.info.get(FRESH_ROWS, [])
    mine = [row for row in fresh if row.chat_id == chat_id and chat_id is not None]
    others_waiting = len(mine) < len(fresh)
    if not mine:
        return HandOff(others_waiting=others_waiting)
    if earlier_waiting is None:
        earlier_waiting = await _earlier_pending(session, chat_id, mine)
    if earlier_waiting:
        return HandOff(others_waiting=True)
    leased_until = utcnow() + LEASE
    for row in mine:
        row.next_attempt_at = leased_until
        row.claimed_by = owner
    await session.flush()  # the ids, and the lease with the rows
    return HandOff(chat_id, as_claimed(sorted(mine, key=lambda row: row.id)), others_waiting)


async def _earlier_pending(session: AsyncSession, chat_id: int | None, mine: list[OutboxMessage]) -> bool:
    """Whether a row of ``chat_id`` other than ``mine`` (this transaction's) waits to be sent."""
    with session.no_autoflush:  # our own rows are not "earlier" ones
        earlier = select(OutboxMessage.id).where(
            OutboxMessage.chat_id == chat_id, OutboxMessage.status == OutboxStatus.PENDING.value
        )
        flushed = [row.id for row in mine if row.id is not None]
        if flushed:
            earlier = earlier.where(OutboxMessage.id.not_in(flushed))
        return await session.scalar(earlier.limit(1)) is not None
