"""The outbox sender's database side: leasing due rows (their outcomes: :mod:`bot.runtime.outbox_outcomes`).

A row is claimed by moving its ``next_attempt_at`` one lease into the future; if the process dies
mid-send the lease runs out and the row is sent again. On PostgreSQL rows are claimed with
``FOR UPDATE SKIP LOCKED`` so several workers never take the same one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db import Database
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
    db: Database,
    busy_chats: set[int],
    room: int,
    bulk_room: int,
    owner: str | None = None,
    passed_over: set[int] | None = None,
) -> dict[int, list[Claimed]]:
    """Lease the due rows of up to ``room`` idle chats, at most ``bulk_room`` of them with only
    bulk work: replies first, then interactive, then bulk, oldest first within a lane; each
    chat's rows in id order. ``owner`` names the claiming process (PostgreSQL). The busy chats
    that had due rows are added to ``passed_over`` (their rows wait until they are idle)."""
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
        if locking:
            query = query.with_for_update(skip_locked=True)
        # Busy chats are passed over here rather than in the query, which so says whether they
        # had rows due: usually not, and the sender then needs no second round for them.
        candidates = (await session.execute(query)).all()
        skipped = {chat_id for chat_id, _lane in candidates if chat_id in busy_chats}
        if passed_over is not None:
            passed_over.update(skipped)
        if skipped:
            candidates = [row for row in candidates if row[0] not in skipped]
        chats = _pick_chats(candidates, room, bulk_room)
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
