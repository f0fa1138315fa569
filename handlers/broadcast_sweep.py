"""The broadcast sweep: start due broadcasts, feed their recipients to the outbox's bulk lane,
update each running broadcast's progress message and send the final report when one ends.

It runs every few seconds, so an idle bot pays one indexed query for it: :func:`_work` looks for
a sending broadcast, a due scheduled one or one cancelled moments ago (whose last in-flight
message may still report back) before the engine is asked to do anything, and for one that ended
within :data:`CATCH_UP` (see below).

A progress message is edited only when what it shows changed (status or counts), since Telegram
refuses an edit that changes nothing; enqueuing the next batch alone changes nothing it shows.

A progress message can only be edited once Telegram has given it an id. When a broadcast ends
before that (the message's first sends failed with 502s and the sender retries them for minutes),
the edit at the end is skipped; so for a while after the end the sweep looks at what was last
queued for the message (its last edit, else the message itself): while that still carries the
cancel button, which only a scheduled or sending broadcast shows, the final state was never
queued, and the sweep queues it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db import Database
from bot.runtime import outbox
from bot.services import broadcast_engine, broadcast_progress
from handlers import broadcast_texts
from handlers.notify import Outbox, Reader
from models import Broadcast, BroadcastStatus, OutboxMessage, utcnow

# How long after a cancel the sweep keeps reading outcomes: the sender may be in the middle of
# sending a row it leased just before (its lease is a minute) and then records what happened.
CANCEL_TAIL = timedelta(minutes=10)
# How long after a broadcast ended the sweep still brings its progress message to the final state:
# well beyond the sender's retries of a failing send (minutes) and a restart of the bot, and within
# the outbox's retention (14 days by default; a pruned progress message is simply left alone).
CATCH_UP = timedelta(days=1)

Shown = tuple[str, int, int, int, int]


def _live(now: datetime) -> ColumnElement[bool]:
    """Broadcasts the engine has something to do for (a cancelled one also until its report went
    out, should the bot have been down when its last sends finished)."""
    cancelled = Broadcast.status == BroadcastStatus.CANCELLED
    return or_(
        Broadcast.status == BroadcastStatus.SENDING,
        (Broadcast.status == BroadcastStatus.SCHEDULED) & (Broadcast.send_at <= now),
        cancelled & (Broadcast.cancelled_at >= now - CANCEL_TAIL),
        cancelled
        & Broadcast.finished_at.is_(None)
        & Broadcast.started_at.is_not(None)
        & (Broadcast.cancelled_at >= now - broadcast_engine.CANCELLED_WATCH),
    )


def _ended_recently(now: datetime) -> ColumnElement[bool]:
    """Broadcasts that ended within :data:`CATCH_UP` and have a progress message."""
    since = now - CATCH_UP
    return Broadcast.progress_outbox_id.is_not(None) & or_(
        (Broadcast.status == BroadcastStatus.DONE) & (Broadcast.finished_at >= since),
        (Broadcast.status == BroadcastStatus.CANCELLED) & (Broadcast.cancelled_at >= since),
    )


async def _shown(session: AsyncSession, now: datetime) -> dict[int, Shown]:
    """What the progress message of each live broadcast shows now (status and stored counts)."""
    rows = await session.execute(
        select(
            Broadcast.id,
            Broadcast.status,
            Broadcast.recipients_total,
            Broadcast.delivered_count,
            Broadcast.blocked_count,
            Broadcast.failed_count,
        ).where(_live(now))
    )
    return {row[0]: (row[1], row[2], row[3], row[4], row[5]) for row in rows.tuples().all()}


async def _reader(out: Outbox, broadcast_id: int) -> Reader | None:
    """The reader of the coordinator who created the broadcast (None once they are gone)."""
    broadcast = await out.session.get(Broadcast, broadcast_id)
    if broadcast is None:
        return None
    return await out.reader(broadcast.created_by_user_id)


async def update_progress_message(
    out: Outbox, broadcast_id: int, reader: Reader | None = None, now: datetime | None = None
) -> bool:
    """Edit the broadcast's progress message to its state at ``now`` (if Telegram has it yet)."""
    reader = reader or await _reader(out, broadcast_id)
    where = await broadcast_progress.progress_message(out.session, broadcast_id)
    state = await broadcast_progress.progress(out.session, broadcast_id, now)
    if reader is None or where is None or state is None:
        return False
    chat_id, message_id = where
    outbox.enqueue_edit(
        out.session,
        chat_id,
        message_id,
        broadcast_texts.progress_text(reader, state),
        broadcast_texts.progress_markup(reader, state),
        inbox_id=out.inbox_id,
    )
    return True


async def send_report(
    out: Outbox, broadcast_id: int, reader: Reader | None = None, now: datetime | None = None
) -> bool:
    """Send the coordinator who created the broadcast its final report (retry button if some failed);
    a cancelled one's also to whoever cancelled it, who was told that the report follows."""
    reader = reader or await _reader(out, broadcast_id)
    state = await broadcast_progress.progress(out.session, broadcast_id, now)
    if reader is None or state is None:
        return False
    readers = [reader]
    if state.status == BroadcastStatus.CANCELLED:
        by = await broadcast_progress.cancelled_by(out.session, broadcast_id)
        other = await out.reader(by) if by is not None and by != reader.user_id else None
        readers += [other] if other is not None else []
    # A cancelled broadcast cannot be sent again, not even to those it failed for.
    retry = state.failed if state.status == BroadcastStatus.DONE else 0
    for to in readers:
        out.send(
            to, broadcast_texts.report_text(to, state), broadcast_texts.retry_button(to, broadcast_id, retry)
        )
    return True


async def _work(session: AsyncSession, now: datetime) -> tuple[bool, list[int]]:
    """Whether the engine has something to do, and the broadcasts that ended recently."""
    rows = await session.execute(
        select(Broadcast.id, _live(now).label("live"), _ended_recently(now).label("ended")).where(
            or_(_live(now), _ended_recently(now))
        )
    )
    found = rows.tuples().all()
    return any(live for _id, live, _ended in found), sorted(i for i, _live, ended in found if ended)


async def _last_version(session: AsyncSession, broadcast_id: int) -> dict[str, Any] | None:
    """The payload last queued for the broadcast's progress message (its last edit, else the message
    itself); None while Telegram has not given the message an id."""
    progress = await session.scalar(
        select(OutboxMessage)
        .join(Broadcast, Broadcast.progress_outbox_id == OutboxMessage.id)
        .where(Broadcast.id == broadcast_id, OutboxMessage.telegram_message_id.is_not(None))
    )
    if progress is None:
        return None
    edit = await session.scalar(
        select(OutboxMessage.payload)
        .where(
            OutboxMessage.chat_id == progress.chat_id,
            OutboxMessage.method == "editMessageText",
            OutboxMessage.id > progress.id,
            OutboxMessage.payload["message_id"].as_integer() == progress.telegram_message_id,
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    return edit if edit is not None else progress.payload


async def catch_up(out: Outbox, broadcast_id: int, now: datetime | None = None) -> bool:
    """Edit an ended broadcast's progress message to its final state unless that was queued already.

    Only scheduled and sending broadcasts show the cancel button, so a last version that still has
    it was queued before the end: the edit at the end found no message id then.
    """
    last = await _last_version(out.session, broadcast_id)
    if last is None or "reply_markup" not in last:
        return False
    return await update_progress_message(out, broadcast_id, now=now)


def _summary(**counts: int) -> str:
    """The log line of a sweep: the counts that are not zero ("1 started, 200 enqueued")."""
    return ", ".join(f"{count} {name}" for name, count in counts.items() if count)


async def sweep_broadcasts(db: Database, settings: Settings, now: datetime | None = None) -> str:
    """One step of every broadcast in one transaction; returns a summary for the log ("" when idle)."""
    now = now or utcnow()
    async with db.transaction() as session:
        live, ended = await _work(session, now)
        if not live and not ended:
            return ""
        out = Outbox(session, settings)
        # Not while only catching up: that lasts a day, and the engine's steps are many statements.
        result = broadcast_engine.AdvanceResult()
        before: dict[int, Shown] = {}
        after: dict[int, Shown] = {}
        if live:
            before = await _shown(session, now)
            result = await broadcast_engine.advance(session, now)
            after = await _shown(session, now)
        # A cancelled broadcast whose last sends have an outcome now ends like a finished one.
        finished = set(result.finished) | set(result.settled)
        edited = reported = 0
        handled: set[int] = set()
        for broadcast_id in sorted(set(result.changed) | finished):
            if broadcast_id not in finished and before.get(broadcast_id) == after.get(broadcast_id):
                continue  # only the next batch was enqueued: the message would not change
            reader = await _reader(out, broadcast_id)
            if await update_progress_message(out, broadcast_id, reader, now):
                edited += 1
                handled.add(broadcast_id)
            if broadcast_id in finished and await send_report(out, broadcast_id, reader, now):
                reported += 1
        for broadcast_id in ended:
            if broadcast_id not in handled and await catch_up(out, broadcast_id, now):
                edited += 1
    return _summary(
        started=len(result.started),
        enqueued=result.enqueued,
        finished=len(result.finished),
        settled=len(result.settled),
        edited=edited,
        reported=reported,
    )
