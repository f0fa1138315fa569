"""The outbox sender's database side: leasing due rows, recording outcomes, giving rows back.

A row is claimed by moving its ``next_attempt_at`` one lease into the future; if the process dies
mid-send the lease runs out and the row is sent again. On PostgreSQL rows are claimed with
``FOR UPDATE SKIP LOCKED`` so several workers never take the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import aliased

from bot.db import Database
from bot.services import users
from models import OutboxLane, OutboxMessage, OutboxStatus, utcnow

LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Claimed:
    """A leased outbox row: what the sender needs to make the call and record it."""

    id: int
    chat_id: int
    method: str
    payload: dict[str, Any]
    lane: OutboxLane
    attempts: int
    ephemeral: bool = False


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


async def claim(db: Database, busy_chats: set[int], room: int, bulk_room: int) -> dict[int, list[Claimed]]:
    """Lease due rows of idle chats, interactive first, grouped per chat in id order."""
    now = utcnow()
    async with db.transaction(urgent=True) as session:
        earlier = aliased(OutboxMessage)
        # A row waits while an earlier row of its chat is pending but not due (leased
        # or backing off): per-chat order survives retries and restarts.
        blocked_by_earlier = (
            select(earlier.id)
            .where(
                earlier.chat_id == OutboxMessage.chat_id,
                earlier.status == OutboxStatus.PENDING.value,
                earlier.id < OutboxMessage.id,
                earlier.next_attempt_at > now,
            )
            .exists()
        )
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING.value,
                OutboxMessage.next_attempt_at <= now,
                ~blocked_by_earlier,
            )
            .order_by(OutboxMessage.lane, OutboxMessage.id)
            .limit(room * 4)
        )
        if busy_chats:
            query = query.where(OutboxMessage.chat_id.not_in(busy_chats))
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        rows = list(await session.scalars(query))
        batches: dict[int, list[Claimed]] = {}
        bulk_chats = 0
        for row in rows:
            if row.chat_id not in batches:
                if len(batches) >= room:
                    continue
                if row.lane == OutboxLane.BULK:
                    if bulk_chats >= bulk_room:
                        continue
                    bulk_chats += 1
            row.next_attempt_at = now + LEASE
            batches.setdefault(row.chat_id, []).append(
                Claimed(
                    row.id,
                    row.chat_id,
                    row.method,
                    row.payload,
                    OutboxLane(row.lane),
                    row.attempts,
                    bool(row.ephemeral),
                )
            )
        return batches


async def still_pending(db: Database, row: Claimed) -> bool:
    """Whether a claimed row is still to be sent (a cancelled broadcast takes its rows back)."""
    async with db.transaction(urgent=True) as session:
        status = await session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == row.id))
    return status == OutboxStatus.PENDING.value


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
    async with db.transaction(urgent=True) as session:
        if status is OutboxStatus.SENT and row.ephemeral:
            await session.execute(delete(OutboxMessage).where(OutboxMessage.id == row.id))
        else:
            values: dict[str, Any] = {
                "status": status.value,
                "attempts": row.attempts + 1,
                "sent_at": utcnow() if status is OutboxStatus.SENT else None,
                "telegram_message_id": message_id,
                "error": error,
            }
            if status is OutboxStatus.SENT:
                values["payload"] = sent_stub(row.payload)
            await session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(**values))
        if unreachable:
            await users.mark_unreachable(session, row.chat_id)


async def reschedule(db: Database, row: Claimed, seconds: float, *, count_attempt: bool, error: str) -> None:
    """Put a row back to be tried again in ``seconds``, with the error that stopped it."""
    """x"""
    async with db.transaction(urgent=True) as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(
                attempts=row.attempts + (1 if count_attempt else 0),
                next_attempt_at=utcnow() + timedelta(seconds=seconds),
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
            .values(next_attempt_at=utcnow())
        )


async def migrate(db: Database, row: Claimed, new_chat_id: int) -> None:
    """Move a chat's pending rows to the id Telegram gave the migrated chat."""
    """x"""
    async with db.transaction(urgent=True) as session:
        await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.chat_id == row.chat_id,
                OutboxMessage.status == OutboxStatus.PENDING.value,
            )
            .values(chat_id=new_chat_id, next_attempt_at=utcnow())
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
