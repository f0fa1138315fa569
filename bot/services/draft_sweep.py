"""The abandoned-draft sweep: one reminder after a quiet period, deletion after the retention period.

Both deadlines are columns of the draft; each row is claimed with a compare-and-set, so two
workers sweeping at once never send a reminder twice or report a deletion twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db import Database
from bot.i18n import N_, format_date, translate, translations
from bot.runtime.outbox import enqueue_text
from bot.services.intake_answers import TOTAL_STEPS, step_number
from models import IntakeDraft, IntakeStep, OutboxLane, User, utcnow

BATCH = 200

# Words as in the intake: what is unfinished is "your draft"; a sent request is never spoken of here.
REMINDER = N_(
    "Your draft of a request for a kickoff talk is not finished yet (step {step} of {total}). "
    "Continue any time with /request – your answers are kept until {date}."
)
REMINDER_AT_SUMMARY = N_(
    "Your draft of a request for a kickoff talk is complete but not sent yet. Check it and send it "
    "with /request – your answers are kept until {date}."
)


def _expired_text(locale: str, days: int) -> str:
    """The notice that a draft was deleted; singular and plural, as the retention may be one day."""
    return (
        translations(locale)
        .ngettext(
            "Your unfinished draft of a request for a kickoff talk was deleted after {days} day without "
            "activity. It had not been sent; requests you sent earlier are not affected. You can start a "
            "new one any time with /request.",
            "Your unfinished draft of a request for a kickoff talk was deleted after {days} days without "
            "activity. It had not been sent; requests you sent earlier are not affected. You can start a "
            "new one any time with /request.",
            days,
        )
        .format(days=days)
    )


def _reminder_text(locale: str, draft: IntakeDraft, settings: Settings) -> str:
    """The one reminder of an inactive draft: where it stands and until when it is kept."""
    when = format_date(draft.expires_at, locale, settings.tz, "long")
    number = step_number(IntakeStep(draft.step))
    if number is None:
        return translate(locale, REMINDER_AT_SUMMARY).format(date=when)
    return translate(locale, REMINDER).format(step=number, total=TOTAL_STEPS, date=when)


async def remind_due(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Send the one reminder of every draft whose reminder is due; returns how many were sent."""
    rows = await session.execute(
        select(IntakeDraft, User)
        .join(User, User.id == IntakeDraft.user_id)
        .where(IntakeDraft.remind_at <= now, IntakeDraft.expires_at > now)
        .order_by(IntakeDraft.remind_at)
        .limit(BATCH)
    )
    sent = 0
    for draft, user in rows.all():
        claimed = await session.execute(
            update(IntakeDraft)
            .where(
                IntakeDraft.id == draft.id, IntakeDraft.remind_at.is_not(None), IntakeDraft.remind_at <= now
            )
            .values(remind_at=None, reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            enqueue_text(
                session, user.telegram_id, _reminder_text(user.locale, draft, settings), lane=OutboxLane.BULK
            )
            sent += 1
    return sent


async def expire_due(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Delete every draft past its retention and tell its user; returns how many were deleted."""
    rows = await session.execute(
        select(IntakeDraft.id, User.telegram_id, User.locale)
        .join(User, User.id == IntakeDraft.user_id)
        .where(IntakeDraft.expires_at <= now)
        .order_by(IntakeDraft.expires_at)
        .limit(BATCH)
    )
    deleted = 0
    for draft_id, telegram_id, locale in rows.all():
        # Re-checked in the DELETE: activity since the SELECT moved the deadline and saves the draft.
        result = await session.execute(
            delete(IntakeDraft).where(IntakeDraft.id == draft_id, IntakeDraft.expires_at <= now)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            text = _expired_text(locale, settings.draft_retention_days)
            enqueue_text(session, telegram_id, text, lane=OutboxLane.BULK)
            deleted += 1
    return deleted


async def sweep_drafts(db: Database, settings: Settings, now: datetime | None = None) -> str:
    """One sweep in one transaction: due reminders, then due deletions; a summary for the log."""
    now = now or utcnow()
    async with db.transaction() as session:
        reminded = await remind_due(session, settings, now)
        expired = await expire_due(session, settings, now)
    return f"{reminded} reminded, {expired} expired" if reminded or expired else ""
