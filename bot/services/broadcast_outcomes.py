"""What a broadcast's recipients really got, and when a cancelled broadcast has settled.

Recipient statuses follow the outbox with one sweep's delay, and cancelling takes back outbox rows
the sender may be sending at that very moment: it holds such a row (its lease) and records what
really happened when the call returns, which the next sweep reads back. So counts are taken from
the outbox where it knows more (:func:`effective_status`), and a cancelled broadcast has *settled*
once no row is held any more and every outcome the sender recorded has been read back
(:func:`settle_cancelled`). Only then is its report final; ``finished_at`` marks that moment,
once, so that the report goes out once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, exists, false, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    OutboxMessage,
    OutboxStatus,
    RecipientStatus,
)

# Outbox outcomes the sender records, as recipient outcomes.
RECORDED = {
    OutboxStatus.SENT: RecipientStatus.DELIVERED,
    OutboxStatus.BLOCKED: RecipientStatus.BLOCKED,
    OutboxStatus.FAILED: RecipientStatus.FAILED,
}
# How long after a cancel a send the sender held may still be under way: a send takes a second
# or two; the report waits this long at most for one the sender let go without saying so.
SETTLE_WINDOW = timedelta(seconds=10)
# Recipient statuses that an outcome recorded by the sender may still replace.
UNDECIDED = (RecipientStatus.QUEUED.value, RecipientStatus.CANCELLED.value)


def held(now: datetime, cancelled_at: ColumnElement[datetime] | datetime | None) -> ColumnElement[bool]:
    """The recipient's outbox row was taken back while the sender held it: a send may be under way.

    The sender holds a row until it records the outcome or its lease runs out; a row it let go
    unsent (it looks again before a send that waited long) keeps its lease, so a hold counts only
    within :data:`SETTLE_WINDOW` of the cancel (``cancelled_at``: the broadcast's column, or its
    value). A send slower than that is read back all the same, after the report.
    """
    if cancelled_at is None:
        return false()
    if isinstance(cancelled_at, datetime) and cancelled_at <= now - SETTLE_WINDOW:
        return false()
    return and_(
        BroadcastRecipient.status.in_(UNDECIDED),
        OutboxMessage.status == OutboxStatus.CANCELLED.value,
        OutboxMessage.next_attempt_at > now,
        true() if isinstance(cancelled_at, datetime) else cancelled_at > now - SETTLE_WINDOW,
    )


def recorded_unread() -> ColumnElement[bool]:
    """The sender recorded an outcome for the recipient that no sweep has read back yet."""
    return and_(
        BroadcastRecipient.status.in_(UNDECIDED),
        OutboxMessage.status.in_([status.value for status in RECORDED]),
    )


def effective_status(now: datetime, cancelled_at: datetime | None) -> ColumnElement[str]:
    """The recipient's status as the outbox knows it now (needs the outbox joined on ``outbox_id``;
    ``cancelled_at`` is the broadcast's): an outcome the sender recorded counts at once; a send
    that may be under way counts as queued."""
    return case(
        *[
            (and_(BroadcastRecipient.status.in_(UNDECIDED), OutboxMessage.status == o.value), r.value)
            for o, r in RECORDED.items()
        ],
        (held(now, cancelled_at), RecipientStatus.QUEUED.value),
        else_=BroadcastRecipient.status,
    )


def _unsettled(now: datetime) -> ColumnElement[bool]:
    """The broadcast (of the outer query) still has a recipient whose outcome may change."""
    return exists(
        select(BroadcastRecipient.id)
        .outerjoin(OutboxMessage, OutboxMessage.id == BroadcastRecipient.outbox_id)
        .where(
            BroadcastRecipient.broadcast_id == Broadcast.id,
            or_(
                BroadcastRecipient.status.in_([RecipientStatus.PENDING.value, RecipientStatus.QUEUED.value]),
                held(now, Broadcast.cancelled_at),
                recorded_unread(),
            ),
        )
    )


async def settle_cancelled(
    session: AsyncSession, now: datetime, broadcast_id: int | None = None, since: datetime | None = None
) -> list[int]:
    """Mark cancelled broadcasts whose every outcome is known as finished (compare-and-set, so each
    is reported once); returns them. Call it after the outcomes were read back.

    One broadcast (``broadcast_id``: the cancel itself) or every one that had started and was
    cancelled after ``since`` (the sweep: one cancelled before it started is settled at once).
    """
    query = (
        update(Broadcast)
        .where(
            Broadcast.status == BroadcastStatus.CANCELLED,
            Broadcast.finished_at.is_(None),
            ~_unsettled(now),
        )
        .values(finished_at=now, updated_at=now)
        .returning(Broadcast.id)
        .execution_options(synchronize_session=False)
    )
    if broadcast_id is not None:
        query = query.where(Broadcast.id == broadcast_id)
    else:
        query = query.where(Broadcast.started_at.is_not(None))
    if since is not None:
        query = query.where(Broadcast.cancelled_at >= since)
    done = await session.execute(query)
    return sorted(done.scalars().all())
