"""The broadcast sweep: start due broadcasts, feed their recipients to the outbox's bulk lane,
update each running broadcast's progress message and send the final report when one ends.

It runs every few seconds, so an idle bot pays one indexed query for it: :func:`_anything_to_do`
looks for a sending broadcast, a due scheduled one or one cancelled moments ago (whose last
in-flight message may still report back) before the engine is asked to do anything.

A progress message is edited only when what it shows changed (status or counts), since Telegram
refuses an edit that changes nothing; enqueuing the next batch alone changes nothing it shows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db import Database
from bot.runtime import outbox
from bot.services import broadcast_engine, broadcast_progress
from handlers import broadcast_texts
from handlers.notify import Outbox, Reader
from models import Broadcast, BroadcastStatus, utcnow

# How long after a cancel the sweep keeps reading outcomes: the sender may be in the middle of
# sending a row it leased just before (its lease is a minute) and then records what happened.
CANCEL_TAIL = timedelta(minutes=10)

Shown = tuple[str, int, int, int, int]


def _live(now: datetime) -> ColumnElement[bool]:
    """Broadcasts the engine has something to do for."""
    return or_(
        Broadcast.status == BroadcastStatus.SENDING,
        (Broadcast.status == BroadcastStatus.SCHEDULED) & (Broadcast.send_at <= now),
        (Broadcast.status == BroadcastStatus.CANCELLED) & (Broadcast.cancelled_at >= now - CANCEL_TAIL),
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
    broadcast = await out.session.get(Broadcast, broadcast_id)
    if broadcast is None:
        return None
    return await out.reader(broadcast.created_by_user_id)


async def update_progress_message(out: Outbox, broadcast_id: int, reader: Reader | None = None) -> bool:
    """Edit the broadcast's progress message to its current state (if Telegram has it yet)."""
    reader = reader or await _reader(out, broadcast_id)
    where = await broadcast_progress.progress_message(out.session, broadcast_id)
    state = await broadcast_progress.progress(out.session, broadcast_id)
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


async def send_report(out: Outbox, broadcast_id: int, reader: Reader | None = None) -> bool:
    """Send the coordinator who created the broadcast its final report (retry button if some failed)."""
    reader = reader or await _reader(out, broadcast_id)
    state = await broadcast_progress.progress(out.session, broadcast_id)
    if reader is None or state is None:
        return False
    out.send(
        reader,
        broadcast_texts.report_text(reader, state),
        broadcast_texts.retry_button(reader, broadcast_id, state.failed),
    )
    return True


async def _anything_to_do(session: AsyncSession, now: datetime) -> bool:
    found = await session.scalar(select(Broadcast.id).where(_live(now)).limit(1))
    return found is not None


def _summary(**counts: int) -> str:
    return ", ".join(f"{count} {name}" for name, count in counts.items() if count)


async def sweep_broadcasts(db: Database, settings: Settings, now: datetime | None = None) -> str:
    """One step of every broadcast in one transaction; returns a summary for the log ("" when idle)."""
    now = now or utcnow()
    async with db.transaction() as session:
        if not await _anything_to_do(session, now):
            return ""
        before = await _shown(session, now)
        result = await broadcast_engine.advance(session, now)
        after = await _shown(session, now)
        out = Outbox(session, settings)
        finished = set(result.finished)
        edited = reported = 0
        for broadcast_id in sorted(set(result.changed) | finished):
            if broadcast_id not in finished and before.get(broadcast_id) == after.get(broadcast_id):
                continue  # only the next batch was enqueued: the message would not change
            reader = await _reader(out, broadcast_id)
            if await update_progress_message(out, broadcast_id, reader):
                edited += 1
            if broadcast_id in finished and await send_report(out, broadcast_id, reader):
                reported += 1
    return _summary(
        started=len(result.started),
        enqueued=result.enqueued,
        finished=len(result.finished),
        edited=edited,
        reported=reported,
    )
