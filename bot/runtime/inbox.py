"""The inbox: every update is committed here before Telegram is told it arrived."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Update,
    bindparam,
    delete,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.runtime import metrics
from models import InboxStatus, InboxUpdate, utcnow

# Update kinds whose object carries the chat in ``chat`` (the ordering key).
_CHAT_KINDS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "message_reaction",
)


@dataclass(frozen=True)
class InboxItem:
    """A stored update waiting to be handled."""

    inbox_id: int
    update_id: int
    chat_key: int
    payload: dict[str, Any]
    # Runs already made (one when it was run while being stored, bot.runtime.lone_update).
    attempts_made: int = 0
    # Whether the chat had replies waiting to be sent when the handling transaction began (False:
    # none, its replies may be sent at once, bot.runtime.handoff); None when not looked at.
    replies_waiting: bool | None = None


@dataclass(frozen=True)
class Condition:
    """A further condition on marking an update done: a clause built once, and its values."""

    clause: ColumnElement[bool]
    values: dict[str, Any]


def int_id(value: Any) -> int | None:
    """``value`` as an id if it is one (a malformed update may carry anything)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _chat_id(obj: Any) -> int | None:
    """The id of the ``chat`` of an update's object, if it has a well-formed one."""
    chat = obj.get("chat") if isinstance(obj, dict) else None
    return int_id(chat.get("id")) if isinstance(chat, dict) else None


def _from_id(obj: Any) -> int | None:
    """The id of the ``from`` of an update's object, if it has a well-formed one."""
    sender = obj.get("from") if isinstance(obj, dict) else None
    return int_id(sender.get("id")) if isinstance(sender, dict) else None


def chat_key_of(payload: dict[str, Any]) -> int:
    """The chat whose order this update must keep (button presses count for their message's chat).

    Never raises: a malformed update gets key 0 and is stored (and marked failed) like any other.
    """
    for kind in _CHAT_KINDS:
        chat = _chat_id(payload.get(kind))
        if chat is not None:
            return chat
    callback = payload.get("callback_query")
    if isinstance(callback, dict):
        chat = _chat_id(callback.get("message"))
        if chat is not None:
            return chat
        sender = _from_id(callback)
        if sender is not None:
            return sender
    for value in payload.values():
        sender = _from_id(value)
        if sender is not None:
            return sender
    return 0


# Every update passes these two statements: built once (with their cache keys) instead of per update.
_TABLE = InboxUpdate.__table__


# Store one update unless its id is known, returning its row id (None for a repeat). As text:
# SQLAlchemy compiles an ON CONFLICT insert anew on every execution (it has no cache key).
_INSERT_NEW = text(
    f"INSERT INTO {_TABLE.name} (update_id, chat_key, payload, status, received_at) "
    f"VALUES (:update_id, :chat_key, :payload, '{InboxStatus.PENDING.value}', :received_at) "
    "ON CONFLICT (update_id) DO NOTHING RETURNING id"
).bindparams(
    bindparam("update_id", type_=_TABLE.c.update_id.type),
    bindparam("chat_key", type_=_TABLE.c.chat_key.type),
    bindparam("payload", type_=_TABLE.c.payload.type),
    bindparam("received_at", type_=_TABLE.c.received_at.type),
)
# Mark one pending update done, its payload reduced to the stub.
_MARK_DONE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("inbox_id"), _TABLE.c.status == InboxStatus.PENDING.value)
    .values(
        status=InboxStatus.DONE.value,
        handled_at=bindparam("handled_at", type_=_TABLE.c.handled_at.type),
        payload=bindparam("stub", type_=_TABLE.c.payload.type),
        error=bindparam("note", type_=_TABLE.c.error.type),
    )
)


# The statements that take a condition, built once for each condition used (a handful): building
# one anew for every update cost more than running it. Keyed by the condition's identity.
_MARK_DONE_IF: dict[int, tuple[ColumnElement[bool] | None, Any]] = {}


def built_once(
    cache: dict[int, tuple[ColumnElement[bool] | None, Any]],
    condition: ColumnElement[bool] | None,
    build: Callable[[ColumnElement[bool] | None], Any],
) -> Any:
    """``build(condition)`` from ``cache``, built on the condition's first use."""
    built = cache.get(id(condition))
    if built is None or built[0] is not condition:
        built = cache[id(condition)] = (condition, build(condition))
    return built[1]


def _mark_done_where(condition: ColumnElement[bool] | None) -> Update:
    """The marking statement with ``condition`` added."""
    return _MARK_DONE if condition is None else _MARK_DONE.where(condition)


def stub(update_id: int) -> dict[str, Any]:
    """What a handled update's row keeps of its payload: only its id (the content is gone)."""
    return {"update_id": update_id}


async def store(session: AsyncSession, payloads: Sequence[dict[str, Any]]) -> list[InboxItem]:
    """Insert the updates not seen before; returns only the new ones (a repeated id is ignored)."""
    if not payloads:
        return []
    new: list[InboxItem] = []
    now = utcnow()
    for payload in payloads:
        if int_id(payload.get("update_id")) is None:
            continue  # cannot be told apart from a repeat, nor confirmed: the intake rejects these
        chat_key = chat_key_of(payload)
        values = {"update_id": int(payload["update_id"]), "chat_key": chat_key, "payload": payload}
        inbox_id = await session.scalar(_INSERT_NEW, {**values, "received_at": now})
        if inbox_id is not None:
            new.append(InboxItem(inbox_id, int(payload["update_id"]), chat_key, payload))
    metrics.UPDATES_RECEIVED.inc(len(new))
    return new


async def pending(session: AsyncSession) -> list[InboxItem]:
    """Every update received but not yet handled, in arrival order (replayed after a crash)."""
    rows = await session.scalars(
        select(InboxUpdate).where(InboxUpdate.status == InboxStatus.PENDING.value).order_by(InboxUpdate.id)
    )
    return [InboxItem(r.id, r.update_id, r.chat_key, r.payload) for r in rows]


async def claim(
    session: AsyncSession,
    inbox_id: int,
    update_id: int,
    note: str | None = None,
    *,
    only_if: Condition | None = None,
) -> bool:
    """Mark the update done inside the handling transaction; False if it was done already.

    The payload goes with the commit: a handled update keeps only its id, chat, status and
    times for the retention period (the raw update may hold what a person typed). ``note``
    says why an update was done without handling (ignored, flood guard). ``only_if`` is a
    further condition (this process still holds the chat's lease); False when it does not hold.
    """
    statement = _MARK_DONE if only_if is None else built_once(_MARK_DONE_IF, only_if.clause, _mark_done_where)
    values = {"inbox_id": inbox_id, "handled_at": utcnow(), "stub": stub(update_id), "note": note}
    if only_if is not None:
        values.update(only_if.values)
    result = await session.execute(statement, values)
    return result.rowcount == 1  # type: ignore[attr-defined]


async def mark_failed(session: AsyncSession, inbox_id: int, error: str) -> None:
    """Record that handling the update raised; it is not retried (a poison update would loop).

    The raw payload stays for diagnosis until the row is pruned.
    """
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.id == inbox_id, InboxUpdate.status == InboxStatus.PENDING.value)
        .values(status=InboxStatus.FAILED.value, handled_at=utcnow(), error=error[:2000])
    )


async def prune(session: AsyncSession, older_than: timedelta) -> int:
    """Delete handled updates older than ``older_than``; returns how many."""
    result = await session.execute(
        delete(InboxUpdate).where(
            InboxUpdate.status != InboxStatus.PENDING.value,
            InboxUpdate.handled_at < utcnow() - older_than,
        )
    )
    return result.rowcount  # type: ignore[attr-defined,no-any-return]
