"""The broadcast sweep: start due broadcasts, feed their recipients to the outbox, read outcomes back.

One call of :func:`advance` is one transaction and one step forward, so a crash loses nothing and
repeats nothing:

- a due broadcast moves ``scheduled → sending`` by compare-and-set, and only the call that moved
  it picks the recipients (one row each; ``UNIQUE (broadcast_id, user_id)`` backs this up);
- a recipient is enqueued by adding its outbox row and linking it (``pending → queued``) in the
  same transaction; after a restart only rows still ``pending`` are enqueued;
- outbox outcomes come back as recipient statuses (sent → delivered, blocked, failed, cancelled);
- a broadcast with nobody left pending or queued is ``done``; a cancelled one is finished once
  the sends that were under way when it was cancelled have an outcome (see
  :mod:`bot.services.broadcast_outcomes`).

Each recipient's copy is framed for them (:func:`bot.services.broadcast_content.framed`): the
sender line, and for news recipients the way to unsubscribe, in their language.

Rows go to the outbox's bulk lane, which the sender paces within Telegram's limits and behind every
interactive reply. At most ``max_queued`` rows per broadcast wait in the outbox at a time, so that
cancelling stops the rest at once and the outbox never holds a whole broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.broadcast_audience import AudienceFilter, select_recipients
from bot.services.broadcast_content import inline_media, outbox_call, reaches_news_recipients
from bot.services.broadcast_outcomes import collect_outcomes, refresh_counters, settle_cancelled
from models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    NewsConsent,
    OutboxLane,
    OutboxMessage,
    OutboxStatus,
    RecipientStatus,
    User,
)

BATCH = 200
MAX_QUEUED = 400
# Every row of a broadcast whose file Telegram does not know yet carries the whole file.
MAX_QUEUED_INLINE_MEDIA = 20
# How long after a cancel a step still looks at the broadcast (its last sends, its report).
CANCELLED_WATCH = timedelta(days=1)


@dataclass(frozen=True)
class AdvanceResult:
    """What one step did: broadcasts started and finished (send the final report), cancelled ones
    whose last sends have an outcome now (send the report of the cancel), how many recipients were
    enqueued, and which broadcasts' counts changed (update their progress message)."""

    started: tuple[int, ...] = ()
    finished: tuple[int, ...] = ()
    settled: tuple[int, ...] = ()
    enqueued: int = 0
    changed: tuple[int, ...] = ()


async def start_due(session: AsyncSession, now: datetime) -> list[int]:
    """Move scheduled broadcasts whose time has come to ``sending`` and pick their recipients."""
    due = list(
        await session.scalars(
            select(Broadcast)
            .where(Broadcast.status == BroadcastStatus.SCHEDULED, Broadcast.send_at <= now)
            .order_by(Broadcast.send_at, Broadcast.id)
        )
    )
    started = []
    for broadcast in due:
        moved = await session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast.id, Broadcast.status == BroadcastStatus.SCHEDULED)
            .values(status=BroadcastStatus.SENDING, started_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            continue
        # Picked now, not when scheduled: whoever withdrew consent or blocked the bot meanwhile is left out.
        recipients = await select_recipients(
            session, broadcast.audience, AudienceFilter.from_json(broadcast.filters)
        )
        if recipients:
            await session.execute(
                insert(BroadcastRecipient),
                [
                    {
                        "broadcast_id": broadcast.id,
                        "user_id": r.user_id,
                        "chat_id": r.chat_id,
                        "status": RecipientStatus.PENDING.value,
                        "attempts": 0,
                        "updated_at": now,
                    }
                    for r in recipients
                ],
            )
        started.append(broadcast.id)
    return started


async def _count(session: AsyncSession, broadcast_id: int, status: RecipientStatus) -> int:
    """How many of a broadcast's recipients have ``status``."""
    count = await session.scalar(
        select(func.count())
        .select_from(BroadcastRecipient)
        .where(BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.status == status.value)
    )
    return int(count or 0)


async def _readers(
    session: AsyncSession, broadcast: Broadcast, recipients: list[BroadcastRecipient]
) -> dict[int, tuple[str, bool]]:
    """User id → (their language, whether they get it as news) for one batch of recipients."""
    ids = [r.user_id for r in recipients]
    locales = dict(
        (await session.execute(select(User.id, User.locale).where(User.id.in_(ids)))).tuples().all()
    )
    news: set[int] = set()
    if reaches_news_recipients(broadcast.audience):
        # The way to unsubscribe goes to those who agreed to news, not to advisors reached as advisors.
        news = set(await session.scalars(select(NewsConsent.user_id).where(NewsConsent.user_id.in_(ids))))
    return {user_id: (locales.get(user_id) or "de", user_id in news) for user_id in ids}


async def enqueue_due(
    session: AsyncSession, now: datetime, batch: int = BATCH, max_queued: int = MAX_QUEUED
) -> dict[int, int]:
    """Put up to ``batch`` pending recipients (over all sending broadcasts, oldest broadcast first)
    into the outbox; returns broadcast id → how many were enqueued."""
    sending = list(
        await session.scalars(
            select(Broadcast)
            .where(Broadcast.status == BroadcastStatus.SENDING)
            .order_by(Broadcast.id)
            .execution_options(populate_existing=True)
        )
    )
    enqueued: dict[int, int] = {}
    room = batch
    for broadcast in sending:
        limit = min(MAX_QUEUED_INLINE_MEDIA, max_queued) if inline_media(broadcast) else max_queued
        take = min(room, limit - await _count(session, broadcast.id, RecipientStatus.QUEUED))
        if take <= 0:
            continue
        query = (
            select(BroadcastRecipient)
            .where(
                BroadcastRecipient.broadcast_id == broadcast.id,
                BroadcastRecipient.status == RecipientStatus.PENDING,
            )
            .order_by(BroadcastRecipient.id)
            .limit(take)
            .execution_options(populate_existing=True)
        )
        if session.get_bind().dialect.name == "postgresql":
            # Two workers sweeping at once never take the same recipient (SQLite has one writer).
            query = query.with_for_update(skip_locked=True)
        recipients = list(await session.scalars(query))
        if not recipients:
            continue
        readers = await _readers(session, broadcast, recipients)
        # One call per (language, news) pair: a batch has at most four different copies.
        calls = {key: outbox_call(broadcast, *key) for key in set(readers.values())}
        rows = [
            OutboxMessage(
                chat_id=r.chat_id,
                method=calls[readers[r.user_id]][0],
                payload={"chat_id": r.chat_id, **calls[readers[r.user_id]][1]},
                lane=int(OutboxLane.BULK),
                status=OutboxStatus.PENDING.value,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            for r in recipients
        ]
        session.add_all(rows)
        await session.flush()
        for recipient, row in zip(recipients, rows, strict=True):
            recipient.status = RecipientStatus.QUEUED.value
            recipient.outbox_id = row.id
            recipient.attempts += 1
            recipient.updated_at = now
        await session.flush()
        enqueued[broadcast.id] = len(recipients)
        room -= len(recipients)
        if room <= 0:
            break
    return enqueued


async def finish_complete(session: AsyncSession, now: datetime) -> list[int]:
    """Mark sending broadcasts with nobody pending or queued as done."""
    open_statuses = [RecipientStatus.PENDING.value, RecipientStatus.QUEUED.value]
    still_open = (
        select(BroadcastRecipient.id)
        .where(BroadcastRecipient.broadcast_id == Broadcast.id, BroadcastRecipient.status.in_(open_statuses))
        .exists()
    )
    done = await session.execute(
        update(Broadcast)
        .where(Broadcast.status == BroadcastStatus.SENDING, ~still_open)
        .values(status=BroadcastStatus.DONE, finished_at=now, updated_at=now)
        .returning(Broadcast.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(done.scalars().all())


async def advance(
    session: AsyncSession, now: datetime, batch: int = BATCH, *, max_queued: int = MAX_QUEUED
) -> AdvanceResult:
    """One step of every broadcast: start the due ones, read outcomes, enqueue the next batch,
    finish the complete ones. Call it from a repeating job, a few seconds apart while one runs."""
    # Cancelling and retrying change the broadcast row first, then its recipients and outbox rows.
    # Taking the same row locks first here (by id) makes the two wait their turn on PostgreSQL
    # instead of locking recipient and outbox rows in opposite orders (a deadlock).
    await session.execute(
        select(Broadcast.id)
        .where(
            or_(
                Broadcast.status.in_([BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING]),
                and_(
                    Broadcast.status == BroadcastStatus.CANCELLED,
                    Broadcast.cancelled_at > now - CANCELLED_WATCH,
                ),
            )
        )
        .order_by(Broadcast.id)
        .with_for_update()
    )
    started = await start_due(session, now)
    changed = await collect_outcomes(session, now)
    enqueued = await enqueue_due(session, now, batch, max_queued)
    finished = await finish_complete(session, now)
    settled = await settle_cancelled(session, now, since=now - CANCELLED_WATCH)
    touched = set(started) | changed | set(enqueued) | set(finished) | set(settled)
    await refresh_counters(session, touched)
    return AdvanceResult(
        tuple(started), tuple(finished), tuple(settled), sum(enqueued.values()), tuple(sorted(touched))
    )
