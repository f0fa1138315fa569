"""A broadcast's progress: counts for the progress message and the final report, and where that
message is, so that it can be edited while the broadcast runs.

The counts are what was really delivered at the moment asked: an outcome the sender recorded
counts even before the sweep read it back (see :mod:`bot.services.broadcast_outcomes`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.broadcast_outcomes import effective_status
from models import (
    AuditAction,
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    CoordinatorAction,
    OutboxMessage,
    RecipientStatus,
    utcnow,
)


@dataclass(frozen=True)
class BroadcastProgress:
    """Counts for the progress message and the final report.

    ``queued`` are sends not finished yet: waiting in the outbox, or (cancelled) under way.
    """

    broadcast_id: int
    status: str
    total: int
    pending: int
    queued: int
    delivered: int
    blocked: int
    failed: int
    cancelled: int
    send_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def handled(self) -> int:
        """Recipients with an outcome."""
        return self.delivered + self.blocked + self.failed + self.cancelled

    @property
    def percent(self) -> int:
        """How far it got, 0–100 (100 for a broadcast without recipients)."""
        return 100 if self.total == 0 else round(100 * self.handled / self.total)

    @property
    def complete(self) -> bool:
        """Whether nothing is left to send (done or cancelled, and nothing in flight)."""
        return self.status in (BroadcastStatus.DONE, BroadcastStatus.CANCELLED) and not (
            self.pending or self.queued
        )

    @property
    def settling(self) -> bool:
        """Cancelled, with sends still under way whose outcome the report waits for."""
        return self.status == BroadcastStatus.CANCELLED and not self.complete


async def progress(
    session: AsyncSession, broadcast_id: int, now: datetime | None = None
) -> BroadcastProgress | None:
    """The broadcast's counts now (for the progress message, the cancel question and the report)."""
    broadcast = await session.get(Broadcast, broadcast_id, populate_existing=True)
    if broadcast is None:
        return None
    status = effective_status(now or utcnow(), broadcast.cancelled_at)
    rows = await session.execute(
        select(status, func.count())
        .select_from(BroadcastRecipient)
        .outerjoin(OutboxMessage, OutboxMessage.id == BroadcastRecipient.outbox_id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
        .group_by(status)
    )
    counts = {status: int(n) for status, n in rows.tuples().all()}
    return BroadcastProgress(
        broadcast_id=broadcast.id,
        status=broadcast.status,
        total=sum(counts.values()),
        **{s.value: counts.get(s.value, 0) for s in RecipientStatus},
        send_at=broadcast.send_at,
        started_at=broadcast.started_at,
        finished_at=broadcast.finished_at,
    )


async def set_progress_message(session: AsyncSession, broadcast_id: int, outbox_row: OutboxMessage) -> None:
    """Remember the outbox row of the progress message (flushed, so that it has an id)."""
    await session.flush()
    await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id).values(progress_outbox_id=outbox_row.id)
    )


async def progress_message(session: AsyncSession, broadcast_id: int) -> tuple[int, int] | None:
    """(chat id, message id) of the progress message once Telegram has it, to edit it; else None."""
    row = await session.execute(
        select(OutboxMessage.chat_id, OutboxMessage.telegram_message_id)
        .join(Broadcast, Broadcast.progress_outbox_id == OutboxMessage.id)
        .where(Broadcast.id == broadcast_id)
    )
    found = row.first()
    if found is None or found[1] is None:
        return None
    return int(found[0]), int(found[1])


async def cancelled_by(session: AsyncSession, broadcast_id: int) -> int | None:
    """The user who cancelled the broadcast (from the audit record), to send them its report too."""
    return await session.scalar(
        select(CoordinatorAction.actor_user_id)
        .where(
            CoordinatorAction.action == AuditAction.BROADCAST_CANCEL.value,
            CoordinatorAction.details["broadcast_id"].as_integer() == broadcast_id,
        )
        .order_by(CoordinatorAction.id.desc())
        .limit(1)
    )


async def recent(session: AsyncSession, limit: int = 10) -> list[Broadcast]:
    """The latest broadcasts, newest first (for a list to pick one from)."""
    return list(await session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)))
