"""The one statement that stores a lone update as handled (:mod:`bot.runtime.lone_update`).

It stores the update as done already, in the transaction that handles it: the row keeps only the
stub from the start, and if handling fails the whole transaction, this row included, is rolled
back. It also says whether the chat has replies waiting to be sent (:mod:`bot.runtime.handoff`)
and, on PostgreSQL, reads the sender the way every update does
(:func:`bot.services.users.read_along`): one round trip where there were two.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Insert, Select, and_, bindparam, exists, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.runtime import metrics
from bot.runtime.inbox import Condition, InboxItem, built_once, chat_key_of, int_id, stub
from bot.services import users
from bot.services.users import TelegramIdentity
from models import InboxStatus, InboxUpdate, OutboxMessage, OutboxStatus, utcnow

_TABLE = InboxUpdate.__table__

# Built once for each condition used (a handful), keyed by the condition's identity: building one
# anew for every update cost more than running it.
_STORE_IF: dict[int, tuple[ColumnElement[bool] | None, Any]] = {}
_STORE_AND_READ_SENDER_IF: dict[int, tuple[ColumnElement[bool] | None, Any]] = {}


def _store_where(condition: ColumnElement[bool] | None) -> Insert:
    """The statement that stores an update as done if it is new and ``condition`` holds, and says
    whether its chat has replies waiting to be sent (in the same round trip).

    "Not stored yet" is a condition, not ON CONFLICT: SQLAlchemy has no cache key for an ON
    CONFLICT insert and would compile it anew every time. Two processes storing one update at the
    same instant: the unique index stops the second, which then stores it the usual way (and
    finds it a repeat).
    """
    columns = _TABLE.c
    update_id = bindparam("update_id", type_=columns.update_id.type)
    new = ~exists().where(columns.update_id == update_id)
    row = select(
        update_id,
        bindparam("chat_key", type_=columns.chat_key.type),
        bindparam("stub", type_=columns.payload.type),
        literal(InboxStatus.DONE.value, type_=columns.status.type),
        bindparam("received_at", type_=columns.received_at.type),
        bindparam("received_at", type_=columns.handled_at.type),
    ).where(new if condition is None else and_(new, condition))
    waiting = exists().where(
        OutboxMessage.chat_id == bindparam("chat_key"), OutboxMessage.status == OutboxStatus.PENDING.value
    )
    return (
        insert(_TABLE)
        .from_select(["update_id", "chat_key", "payload", "status", "received_at", "handled_at"], row)
        .returning(columns.id.label("inbox_id"), waiting.label("replies_waiting"))
    )


def _store_and_read_sender_where(condition: ColumnElement[bool] | None) -> Select[Any]:
    """The storing statement with the sender's read after it, when it stored the update."""
    return users.read_along(_store_where(condition).cte("stored"))


async def store_handled(
    session: AsyncSession,
    payload: dict[str, Any],
    only_if: Condition | None = None,
    sender: TelegramIdentity | None = None,
) -> InboxItem | None:
    """Store a new update as done already, in the transaction that handles it; None when its id is
    known or ``only_if`` does not hold. With ``sender`` (PostgreSQL only) the same statement reads
    the sender for the handling's :func:`bot.services.users.touch`."""
    update_id = int_id(payload.get("update_id"))
    if update_id is None:
        return None
    chat_key = chat_key_of(payload)
    condition = only_if.clause if only_if else None
    values = {"update_id": update_id, "chat_key": chat_key, "stub": stub(update_id), "received_at": utcnow()}
    if only_if is not None:
        values.update(only_if.values)
    if sender is None:
        statement = built_once(_STORE_IF, condition, _store_where)
        stored = (await session.execute(statement, values)).first()
    else:
        statement = built_once(_STORE_AND_READ_SENDER_IF, condition, _store_and_read_sender_where)
        result = await session.execute(statement, {**values, **users.read_along_values(sender)})
        stored = result.unique().first()
        if stored is not None:
            user, *present = stored[2:]
            users.note_read_along(session, sender, user, present)
    if stored is None:
        return None
    metrics.UPDATES_RECEIVED.inc()
    inbox_id, replies_waiting = stored[0], stored[1]
    return InboxItem(inbox_id, update_id, chat_key, payload, replies_waiting=bool(replies_waiting))
