"""The outbox sender's database side after a call: recording its outcome, giving rows back.

A sent row keeps only ids (:func:`sent_stub`); a failed or blocked one keeps its content until
pruned. Rows leased by :mod:`bot.runtime.outbox_rows` and not sent are given back for the next
round.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, update

from bot.db import Database
from bot.runtime.outbox_rows import Claimed
from bot.services import users
from models import OutboxMessage, OutboxStatus, utcnow


def sent_stub(payload: dict[str, Any]) -> dict[str, Any]:
    """What a sent row keeps of its call: ids only, and whether it carried a keyboard.

    The text, caption, file and buttons are gone once Telegram has them (they may hold contact
    details). Failed and blocked rows keep their content until pruned, for a retry or a look.
    ``reply_markup`` stays as an empty marker because a broadcast's progress message is known to
    be final by its last version having no keyboard.
    """
    stub = {key: payload[key] for key in ("chat_id", "message_id") if key in payload}
    if "reply_markup" in payload:
        stub["reply_markup"] = {}
    return stub


async def still_pending(db: Database, row: Claimed) -> bool:
    """Whether a claimed row is still to be sent (a cancelled broadcast takes its rows back)."""
    async with db.transaction(urgent=True) as session:
        status = await session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == row.id))
    return status == OutboxStatus.PENDING.value


# Every message sent passes one of these: built once instead of per message.
_TABLE = OutboxMessage.__table__
_OUTCOME = {
    "status": bindparam("outcome", type_=_TABLE.c.status.type),
    "attempts": bindparam("attempt", type_=_TABLE.c.attempts.type),
    "sent_at": bindparam("sent_time", type_=_TABLE.c.sent_at.type),
    "telegram_message_id": bindparam("message_id", type_=_TABLE.c.telegram_message_id.type),
    "error": bindparam("reason", type_=_TABLE.c.error.type),
}
_RECORD_OUTCOME = update(_TABLE).where(_TABLE.c.id == bindparam("row_id")).values(**_OUTCOME)
_RECORD_SENT = _RECORD_OUTCOME.values(payload=bindparam("stub", type_=_TABLE.c.payload.type))
_FORGET = delete(_TABLE).where(_TABLE.c.id == bindparam("row_id"))


async def finish(
    db: Database,
    row: Claimed,
    status: OutboxStatus,
    *,
    error: str | None = None,
    message_id: int | None = None,
    unreachable: bool = False,
) -> None:
    """Record a row's outcome; a sent row keeps no content, an ephemeral one is deleted."""
    sent = status is OutboxStatus.SENT
    async with db.transaction(urgent=True) as session:
        if sent and row.ephemeral:
            await session.execute(_FORGET, {"row_id": row.id})
        else:
            values: dict[str, Any] = {
                "row_id": row.id,
                "outcome": status.value,
                "attempt": row.attempts + 1,
                "sent_time": utcnow() if sent else None,
                "message_id": message_id,
                "reason": error,
            }
            if sent:
                values["stub"] = sent_stub(row.payload)
            await session.execute(_RECORD_SENT if sent else _RECORD_OUTCOME, values)
        if unreachable:
            await users.mark_unreachable(session, row.chat_id)


async def reschedule(db: Database, row: Claimed, seconds: float, *, count_attempt: bool, error: str) -> None:
    """Put a row back to be tried again in ``seconds``, with the error that stopped it."""
    async with db.transaction(urgent=True) as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(
                attempts=row.attempts + (1 if count_attempt else 0),
                next_attempt_at=utcnow() + timedelta(seconds=seconds),
                claimed_by=None,
                error=error[:2000],
            )
        )


async def release(db: Database, rows: list[Claimed]) -> None:
    """Give leased rows back; the claim query keeps them behind any earlier row of their chat."""
    if not rows:
        return
    async with db.transaction(urgent=True) as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([r.id for r in rows]))
            .values(next_attempt_at=utcnow(), claimed_by=None)
        )


async def migrate(db: Database, row: Claimed, new_chat_id: int) -> None:
    """Move a chat's pending rows to the id Telegram gave the migrated chat."""
    async with db.transaction(urgent=True) as session:
        await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.chat_id == row.chat_id,
                OutboxMessage.status == OutboxStatus.PENDING.value,
            )
            .values(chat_id=new_chat_id, next_attempt_at=utcnow(), claimed_by=None)
        )
        message = await session.get(OutboxMessage, row.id)
        if message is not None:
            message.payload = {**message.payload, "chat_id": new_chat_id}


async def prune(db: Database, older_than: timedelta) -> int:
    """Delete finished outbox rows older than ``older_than``; returns how many."""
    async with db.transaction() as session:
        result = await session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.status != OutboxStatus.PENDING.value,
                OutboxMessage.created_at < utcnow() - older_than,
            )
        )
        return result.rowcount  # type: ignore[attr-defined,no-any-return]
