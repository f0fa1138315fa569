"""The period of an export: preset buttons, typed years and dates, and the span they stand for.

A format button carries the period as two dates, so what it exports does not move with the day it
is pressed; both are checked again when it is pressed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date
from sqlalchemy import func, select

from bot.context import BotContext
from bot.i18n import N_
from bot.services.funnel_stats import Period
from models import KickoffRequest, utcnow

PRESETS = {
    "30": N_("Last 30 days"),
    "12m": N_("Last 12 months"),
    "ty": N_("This year"),
    "ly": N_("Last year"),
    "all": N_("All time"),
}
# Dates a period may span; a forged or mistyped year outside this is refused politely.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
_DAY = timedelta(days=1)
_COMPACT = "%Y%m%d"
_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})|(\d{4})-(\d{1,2})-(\d{1,2})")
# What may stand between two typed dates: "01.01.2026 - 30.06.2026", "… bis …", "… to …".
_SEPARATORS = re.compile(r"[\s,;–—-]+|\b(?:bis|to|until)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Span:
    """The calendar days of an export, both included, in the programme's time zone."""

    first: date
    last: date

    def period(self, context: BotContext) -> Period:
        """The span as the half-open period the services filter by."""
        return Period.from_dates(self.first, self.last, context.settings.tz)

    def args(self) -> tuple[str, str]:
        """The span as callback data arguments."""
        return self.first.strftime(_COMPACT), self.last.strftime(_COMPACT)


def _today(context: BotContext) -> date:
    """Today's date in the programme's time zone."""
    return utcnow().astimezone(context.settings.tz).date()


def _year_ago(day: date) -> date:
    """The same calendar day a year earlier (28 February for a 29th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


async def preset_span(context: BotContext, key: str) -> Span:
    """The span a period button stands for, counted back from today."""
    today = _today(context)
    if key == "30":
        return Span(today - timedelta(days=29), today)
    if key == "12m":
        return Span(_year_ago(today) + _DAY, today)
    if key == "ty":
        return Span(date(today.year, 1, 1), today)
    if key == "ly":
        return Span(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    # All time: from the day of the first request (today when there is none yet).
    first = await context.db.scalar(select(func.min(KickoffRequest.created_at)))
    start = first.astimezone(context.settings.tz).date() if first is not None else today
    return Span(min(start, today), today)


def _checked(first: date, last: date) -> Span | None:
    """The span between two days in either order; None outside the years an export may span."""
    if first > last:
        first, last = last, first
    if first < EARLIEST or last > LATEST:
        return None
    return Span(first, last)


def button_span(first: str, last: str) -> Span | None:
    """The span a format button carries; None when forged or garbled."""
    if len(first) != 8 or len(last) != 8 or not (first + last).isdigit():
        return None
    try:
        start = date(int(first[:4]), int(first[4:6]), int(first[6:]))
        end = date(int(last[:4]), int(last[4:6]), int(last[6:]))
    except ValueError:
        return None
    return _checked(start, end) if start <= end else None


def parse_span(text: str) -> Span | None:
    """A period typed after /export: a year ("2026") or two dates ("01.01.2026 30.06.2026",
    "2026-01-01 – 2026-06-30"); None for anything else."""
    text = text.strip()
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return Span(date(year, 1, 1), date(year, 12, 31)) if EARLIEST.year <= year <= LATEST.year else None
    found = list(_DATE.finditer(text))
    if len(found) != 2 or _SEPARATORS.sub("", _DATE.sub("", text)):
        return None
    days = []
    for match in found:
        d, m, y, iso_y, iso_m, iso_d = match.groups()
        try:
            days.append(date(int(y), int(m), int(d)) if y else date(int(iso_y), int(iso_m), int(iso_d)))
        except ValueError:
            return None
    return _checked(days[0], days[1])


def _day(context: BotContext, day: date) -> str:
    """A day written in the coordinator's language."""
    return format_date(day, format="medium", locale=context.locale)


def span_text(context: BotContext, span: Span) -> str:
    """A span written as two days in the coordinator's language."""
    return f"{_day(context, span.first)} – {_day(context, span.last)}"
