"""What a broadcast's recipients really got: outcomes read back from the outbox, the counts stored
on the broadcast, and when a cancelled broadcast has settled.

The sender records each outbox row's outcome; :func:`collect_outcomes` turns them into recipient
statuses (sent → delivered, blocked, failed, cancelled) and :func:`refresh_counters` stores the
counts on the broadcast, where the report survives erased recipients.

Recipient statuses follow the outbox with one sweep's delay, and cancelling takes back outbox rows
the sender may be sending at that very moment: it holds such a row (its lease) and records what
really happened when the call returns, which the next sweep reads back. So counts are taken from
the outbox where it knows more (:func:`effective_status`), and a cancelled broadcast has *settled*
once no row is held any more and every outcome the sender recorded has been read back
(:func:`settle_cancelled`). Only then is its report final; ``finished_at`` marks that moment,
once, so that the report goes out once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, exists, false, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.broadcast_content import inline_media
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
# Every outbox outcome, as a recipient outcome (a row taken back by a cancel is cancelled).
OUTCOMES = {**RECORDED, OutboxStatus.CANCELLED: RecipientStatus.CANCELLED}
# Broadcasts whose outbox rows may still change: the sender may finish a row of a cancelled one.
LIVE = (BroadcastStatus.SENDING, BroadcastStatus.CANCELLED)
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


async def collect_outcomes(session: AsyncSession, now: datetime, broadcast_id: int | None = None) -> set[int]:
    """Turn finished outbox rows into recipient outcomes; returns the broadcasts that changed."""
    live = select(Broadcast.id).where(Broadcast.status.in_(list(LIVE)))
    if broadcast_id is not None:
        live = live.where(Broadcast.id == broadcast_id)
    changed: set[int] = set()
    for outbox_status, outcome in OUTCOMES.items():
        finished = select(OutboxMessage.id).where(OutboxMessage.status == outbox_status.value)
        # Cancelled recipients are looked at again: the sender may have been sending that very
        # row when it was cancelled, and then records what really happened.
        watched = [RecipientStatus.QUEUED.value]
        if outcome != RecipientStatus.CANCELLED:
            watched.append(RecipientStatus.CANCELLED.value)
        rows = await session.execute(
            update(BroadcastRecipient)
            .where(
                BroadcastRecipient.broadcast_id.in_(live.scalar_subquery()),
                BroadcastRecipient.status.in_(watched),
                BroadcastRecipient.outbox_id.in_(finished.scalar_subquery()),
            )
            .values(status=outcome.value, updated_at=now)
            .returning(BroadcastRecipient.broadcast_id)
            .execution_options(synchronize_session=False)
        )
        changed.update(rows.scalars().all())
    # An outbox row pruned before its outcome was read: nobody knows, report it as failed.
    lost = await session.execute(
        update(BroadcastRecipient)
        .where(
            BroadcastRecipient.broadcast_id.in_(live.scalar_subquery()),
            BroadcastRecipient.status == RecipientStatus.QUEUED.value,
            BroadcastRecipient.outbox_id.is_(None),
        )
        .values(status=RecipientStatus.FAILED.value, updated_at=now)
        .returning(BroadcastRecipient.broadcast_id)
        .execution_options(synchronize_session=False)
    )
    changed.update(lost.scalars().all())
    await _strip_sent_media(session, changed)
    return changed


async def _strip_sent_media(session: AsyncSession, broadcast_ids: Iterable[int]) -> None:
    """Drop the inline file from outbox rows that are finished: a sent row is never sent again,
    and a thousand copies of a photo would otherwise wait for the outbox's pruning."""
    inline = [
        b.id
        for b in await session.scalars(select(Broadcast).where(Broadcast.id.in_(list(broadcast_ids))))
        if inline_media(b)
    ]
    if not inline:
        return
    linked = select(BroadcastRecipient.outbox_id).where(
        BroadcastRecipient.broadcast_id.in_(inline),
        BroadcastRecipient.status.not_in([RecipientStatus.PENDING.value, RecipientStatus.QUEUED.value]),
    )
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(linked.scalar_subquery()), OutboxMessage.status != OutboxStatus.PENDING.value
        )
        .values(payload={"stripped": "broadcast file"})
        .execution_options(synchronize_session=False)
    )


async def refresh_counters(session: AsyncSession, broadcast_ids: Iterable[int]) -> None:
    """Store the recipient counts on the broadcasts (the report survives erased recipients)."""
    for broadcast_id in sorted(set(broadcast_ids)):
        rows = await session.execute(
            select(BroadcastRecipient.status, func.count())
            .where(BroadcastRecipient.broadcast_id == broadcast_id)
            .group_by(BroadcastRecipient.status)
        )
        counts = {status: int(n) for status, n in rows.tuples().all()}
        await session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id)
            .values(
                recipients_total=sum(counts.values()),
                delivered_count=counts.get(RecipientStatus.DELIVERED.value, 0),
                blocked_count=counts.get(RecipientStatus.BLOCKED.value, 0),
                failed_count=counts.get(RecipientStatus.FAILED.value, 0),
            )
            .execution_options(synchronize_session=False)
        )
