"""How coordinators read an advisor's availability: available, at capacity, paused until a day,
profile incomplete (and what is missing), deactivated, unlinked or unreachable; and days in words."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from bot.i18n import N_
from bot.services import advisors
from bot.services.coordination_advisors import AdvisorRow, Availability
from handlers.notify import Reader

AVAILABILITY_WORDS = {
    Availability.AVAILABLE: N_("✅ available"),
    Availability.AT_CAPACITY: N_("🔴 at capacity"),
    Availability.INCOMPLETE: N_("⚠️ profile incomplete"),
    Availability.PAUSED: N_("⏸ paused"),
    Availability.INACTIVE: N_("⛔ deactivated"),
    Availability.UNLINKED: N_("🔗 not linked to Telegram yet"),
    Availability.UNREACHABLE: N_("📵 unreachable (blocked the bot)"),
}
# What an incomplete profile lacks (``advisors.profile_gaps``), in words.
GAP_WORDS = {
    (advisors.LANGUAGES,): N_("languages missing"),
    (advisors.AREA,): N_("area served missing"),
    (advisors.LANGUAGES, advisors.AREA): N_("languages and area served missing"),
}


def day_text(r: Reader, day: date, fmt: str = "long") -> str:
    """A calendar day in the reader's words ("20. März 2026")."""
    return r.day(datetime.combine(day, time(12), r.tz), fmt)


def last_paused_day(paused_until: datetime, tz: Any) -> date:
    """The last day of a pause: it ends at the start of the next day (Berlin time)."""
    return (paused_until.astimezone(tz) - timedelta(minutes=1)).date()


def _paused_text(r: Reader, row: AdvisorRow, fmt: str) -> str:
    """The pause in words: paused until its last day (inclusive)."""
    last = last_paused_day(row.paused_until, r.tz) if row.paused_until is not None else None
    return r._("⏸ paused until {date} (inclusive)").format(date=day_text(r, last, fmt) if last else "–")


def availability_text(r: Reader, row: AdvisorRow, fmt: str = "long") -> str:
    """Available, at capacity, paused until a day (inclusive), profile incomplete (what is missing),
    deactivated, unlinked or unreachable. An incomplete profile that is also paused says both."""
    if row.availability == Availability.PAUSED:
        return _paused_text(r, row, fmt)
    if row.availability == Availability.INCOMPLETE:
        missing = r._(GAP_WORDS.get(row.gaps, GAP_WORDS[(advisors.LANGUAGES, advisors.AREA)]))
        text = r._("⚠️ profile incomplete – no offers yet: {missing}").format(missing=missing)
        return f"{text} · {_paused_text(r, row, fmt)}" if row.paused else text
    return r._(AVAILABILITY_WORDS[row.availability])
