"""The matching and booking deadlines, swept by repeating jobs: each sweep runs in one transaction
that changes the state and queues every message it calls for (offers passed on, escalations,
blocked advisors skipped, reminders, outcome questions). Deadlines that passed while the bot was
down are caught by the first sweep after start.
"""

from __future__ import annotations

from datetime import datetime

from bot.config import Settings
from bot.db import Database
from bot.services import booking_sweeps, offer_sweeps
from bot.services.offers import OfferTiming
from handlers import booking_notices, cascade, outcome
from handlers.notify import Outbox
from models import utcnow


def _summary(**counts: int) -> str:
    """A sweep's counts as one log line (zeros left out)."""
    return ", ".join(f"{count} {name}" for name, count in counts.items() if count)


async def sweep_offers(db: Database, settings: Settings, now: datetime | None = None) -> str:
    """Skip unreachable advisors, expire overdue offers, start unmatched requests, send reminders."""
    now = now or utcnow()
    timing = OfferTiming.from_settings(settings)
    async with db.transaction() as session:
        out = Outbox(session, settings)
        skipped = await offer_sweeps.skip_unreachable(session, now, timing)
        expired = await offer_sweeps.expire_due(session, now, timing)
        # The safety net: a request whose submit transaction did not get as far as an offer.
        started = await offer_sweeps.match_submitted(session, now, timing)
        reminders = await offer_sweeps.due_reminders(session, now)
        for result in [*skipped, *expired, *started]:
            await cascade.announce(out, result)
        for reminder in reminders:
            await cascade.remind(out, reminder)
    return _summary(skipped=len(skipped), expired=len(expired), matched=len(started), reminded=len(reminders))


async def sweep_bookings(db: Database, settings: Settings, now: datetime | None = None) -> str:
    """Remind both sides of upcoming talks; ask advisors for the outcome of past ones."""
    now = now or utcnow()
    async with db.transaction() as session:
        out = Outbox(session, settings)
        reminders = await booking_sweeps.due_reminders(session, now)
        questions = await booking_sweeps.due_outcome_questions(session, now)
        for due in reminders:
            await booking_notices.reminder(out, due.booking, due.request, due.advisor)
        for due in questions:
            await outcome.ask(out, due)
    return _summary(reminded=len(reminders), asked=len(questions))
