"""The outbox sender's database side: leasing due rows, recording outcomes, giving rows back.

A row is claimed by moving its ``next_attempt_at`` one lease into the future; if the process dies
mid-send the lease runs out and the row is sent again. On PostgreSQL rows are claimed with
``FOR UPDATE SKIP LOCKED`` so several workers never take the same one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
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


# At most this many rows of one chat per claim; the rest follow when the chat's batch is done.
MAX_BATCH = 20


def _due(now: datetime) -> ColumnElement[bool]:
    """Pending rows whose time has come and that no earlier row of their chat holds back.

    A row waits while an earlier row of its chat is pending but not due (leased or backing
    off): per-chat order survives retries and restarts.
    """
    earlier = aliased(OutboxMessage)
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
    return and_(
        OutboxMessage.status == OutboxStatus.PENDING.value,
        OutboxMessage.next_attempt_at <= now,
        ~blocked_by_earlier,
    )


def _pick_chats(candidates: Sequence[Row[tuple[int, int]]], room: int, bulk_room: int) -> list[int]:
    """Up to ``room`` chats in the order of their most urgent row, at most ``bulk_room`` with
    nothing but bulk work."""
    chats: dict[int, int] = {}
    bulk_chats = 0
    for chat_id, lane in candidates:
        if chat_id in chats:
            continue
        if len(chats) >= room:
            break
        if lane == OutboxLane.BULK:
            if bulk_chats >= bulk_room:
                continue
            bulk_chats += 1
        chats[chat_id] = lane
    return list(chats)


def as_claimed(rows: list[OutboxMessage]) -> list[Claimed]:
    """One chat's rows as claimed, in id order, each in the most urgent lane of itself and the
    rows after it: a reply behind a broadcast message in its chat takes that message along
    instead of waiting with it for the bulk budget (one extra message, to a person who is
    talking to the bot)."""
    lanes: list[OutboxLane] = []
    lane = OutboxLane.BULK
    for row in reversed(rows):
        lane = min(lane, OutboxLane(row.lane))
        lanes.append(lane)
    lanes.reverse()
    return [
        Claimed(row.id, row.chat_id, row.method, row.payload, lane, row.attempts, bool(row.ephemeral))
        for row, lane in zip(rows, lanes, strict=True)
    ]


async def claim(
    db: Database, busy_chats: set[int], room: int, bulk_room: int, owner: str | None = None
) -> dict[int, list[Claimed]]:
    """Lease the due rows of up to ``room`` idle chats, at most ``bulk_room`` of them with only
    bulk work: replies first, then interactive, then bulk, oldest first within a lane; each
    chat's rows in id order. ``owner`` names the claiming process (PostgreSQL)."""
    now = utcnow()
    locking = not db.is_sqlite
    async with db.transaction(urgent=True) as session:
        # Which chats: by their most urgent due row (REPLY is -1, so it sorts first).
        query = (
            select(OutboxMessage.chat_id, OutboxMessage.lane)
            .where(_due(now))
            .order_by(OutboxMessage.lane, OutboxMessage.id)
            .limit(room * 4)
        )
        if busy_chats:
            query = query.where(OutboxMessage.chat_id.not_in(busy_chats))
        if locking:
            query = query.with_for_update(skip_locked=True)
        chats = _pick_chats((await session.execute(query)).all(), room, bulk_room)
        if not chats:
            return {}
        # Their due rows, whatever the lane, so a chat's rows go in the order they were written.
        rows_query = (
            select(OutboxMessage)
            .where(_due(now), OutboxMessage.chat_id.in_(chats))
            .order_by(OutboxMessage.id)
            .limit(len(chats) * MAX_BATCH)
        )
        if locking:
            rows_query = rows_query.with_for_update(skip_locked=True)
        per_chat: dict[int, list[OutboxMessage]] = {chat_id: [] for chat_id in chats}
        for row in await session.scalars(rows_query):
            if len(per_chat[row.chat_id]) < MAX_BATCH:
                per_chat[row.chat_id].append(row)
        if locking:
            await _keep_chats_from_their_first_row(session, per_chat)
        for rows in per_chat.values():
            for row in rows:
                row.next_attempt_at = now + LEASE
                row.claimed_by = owner
        return {chat_id: as_claimed(rows) for chat_id, rows in per_chat.items() if rows}


async def _keep_chats_from_their_first_row(
    session: AsyncSession, per_chat: dict[int, list[OutboxMessage]]
) -> None:
    """Drop the chats whose claimed rows do not start at the chat's first pending row.

    Another process may be claiming that chat's first rows in this moment (``SKIP LOCKED`` hid
    them, and its lease is not committed yet): sending the later rows now would overtake them.
    """
    chats = [chat_id for chat_id, rows in per_chat.items() if rows]
    if not chats:
        return
    first = dict(
        (
            await session.execute(
                select(OutboxMessage.chat_id, func.min(OutboxMessage.id))
                .where(OutboxMessage.status == OutboxStatus.PENDING.value, OutboxMessage.chat_id.in_(chats))
                .group_by(OutboxMessage.chat_id)
            )
        )
        .tuples()
        .all()
    )
    for chat_id in chats:
        if per_chat[chat_id][0].id != first.get(chat_id):
            per_chat[chat_id] = []


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
