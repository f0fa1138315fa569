"""Choosing the kickoff date as an advisor: the contact's preferred windows first, or any day in a
month calendar and then a time. Screens only; nothing is stored until a time is chosen.

Dates travel in callback data as ``yyyymmdd`` and starts as ``yyyymmddHHMM`` in the programme's
time zone. Actions: ``p`` opens the picker as a new message (the message it was pressed on, e.g. the
accepted request with the contact's details, stays as it is); ``o``, ``m`` and ``d`` move within it.
"""

from __future__ import annotations

import calendar
import html
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, get_day_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.services.booking import suggested_starts
from handlers.callback_data import BOOK, data
from handlers.intake.calendar import day_label
from handlers.notify import Reader
from models import KickoffRequest

HORIZON_DAYS = 180
HORIZON = timedelta(days=HORIZON_DAYS)
FIRST_HOUR, LAST_HOUR = 8, 18
NOOP = data(BOOK, "noop")
Rows = list[list[InlineKeyboardButton]]


def start_code(moment: datetime, tz: ZoneInfo) -> str:
    """A start as it travels in callback data."""
    return moment.astimezone(tz).strftime("%Y%m%d%H%M")


def parse_start(code: str, tz: ZoneInfo) -> datetime | None:
    """The aware start behind ``start_code``; None for anything malformed."""
    if len(code) != 12 or not code.isdigit():
        return None
    try:
        return datetime.strptime(code, "%Y%m%d%H%M").replace(tzinfo=tz)
    except ValueError:
        return None


def parse_day(code: str) -> date | None:
    """``yyyymmdd`` as a date (``yyyymm`` gives the first of the month)."""
    code = code + "01" if len(code) == 6 else code
    if len(code) != 8 or not code.isdigit():
        return None
    try:
        return datetime.strptime(code, "%Y%m%d").date()
    except ValueError:
        return None


def _month_shift(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


Windows = list[dict[str, Any]] | None


def options(
    r: Reader, request: KickoffRequest, now: datetime, wishes: Windows = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The first screen: the contact's preferred windows as starts (the days they wished when asking
    for another date, else those of the request), and "another date"; for a flexible contact (no
    window ahead) the month calendar straight away."""
    starts = suggested_starts(request, r.tz, now, wishes)
    if not starts:
        return month(r, request, now.astimezone(r.tz).date(), now, wishes)
    rows: Rows = [
        [
            InlineKeyboardButton(
                r.when(start), callback_data=data(BOOK, "s", request.id, start_code(start, r.tz))
            )
        ]
        for start in starts
    ]
    today = now.astimezone(r.tz).date()
    rows.append(
        [
            InlineKeyboardButton(
                r._("📆 Another date"), callback_data=data(BOOK, "m", request.id, today.strftime("%Y%m"))
            )
        ]
    )
    text = r._(
        "📅 <b>Propose a date for {reference}</b>\n"
        "The contact's preferred times (morning 10:00, afternoon 14:00), or another date:"
    )
    return text.format(reference=html.escape(request.reference)), InlineKeyboardMarkup(rows)


def month(
    r: Reader, request: KickoffRequest, first: date, now: datetime, wishes: Windows = None
) -> tuple[str, InlineKeyboardMarkup]:
    """A month of days from tomorrow up to the horizon; weekends and public holidays in brackets.
    "Back" leads to the contact's preferred times; a flexible contact has none, so the calendar is
    the first screen."""
    today = now.astimezone(r.tz).date()
    preferred = bool(suggested_starts(request, r.tz, now, wishes))
    earliest, latest = today + timedelta(days=1), today + timedelta(days=HORIZON_DAYS)
    first = min(max(first.replace(day=1), earliest.replace(day=1)), latest.replace(day=1))
    previous, following = _month_shift(first, -1), _month_shift(first, 1)
    names = get_day_names("short", locale=r.locale, context="stand-alone")

    def nav(target: date, label: str, allowed: bool) -> InlineKeyboardButton:
        """A month navigation button (blank where the window ends)."""
        if not allowed:
            return InlineKeyboardButton(" ", callback_data=NOOP)
        return InlineKeyboardButton(label, callback_data=data(BOOK, "m", request.id, target.strftime("%Y%m")))

    rows: Rows = [
        [
            nav(previous, "◀️", previous >= earliest.replace(day=1)),
            InlineKeyboardButton(format_skeleton("yMMMM", first, locale=r.locale), callback_data=NOOP),
            nav(following, "▶️", following <= latest),
        ],
        [InlineKeyboardButton(names[i], callback_data=NOOP) for i in range(7)],
    ]
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        if week[-1] < earliest:
            continue
        row = []
        for day in week:
            if day.month != first.month or not earliest <= day <= latest:
                row.append(InlineKeyboardButton("·" if day.month == first.month else " ", callback_data=NOOP))
            else:
                row.append(
                    InlineKeyboardButton(
                        day_label(day), callback_data=data(BOOK, "d", request.id, day.strftime("%Y%m%d"))
                    )
                )
        rows.append(row)
    if preferred:
        rows.append([InlineKeyboardButton(r._("↩️ Back"), callback_data=data(BOOK, "o", request.id))])
        text = r._("📆 <b>Which day for {reference}?</b>\nWeekends and public holidays are in brackets.")
    else:
        text = r._(
            "📅 <b>Propose a date for {reference}</b>\n"
            "The contact is flexible: choose a day (weekends and public holidays in brackets), then a time."
        )
    return text.format(reference=html.escape(request.reference)), InlineKeyboardMarkup(rows)


def times(r: Reader, request: KickoffRequest, day: date, now: datetime) -> tuple[str, InlineKeyboardMarkup]:
    """Start times of ``day`` every half hour from 08:00 to 18:00 (past ones left out)."""
    buttons = []
    for minutes in range(FIRST_HOUR * 60, LAST_HOUR * 60 + 1, 30):
        start = datetime.combine(day, time(minutes // 60, minutes % 60), r.tz)
        if start > now:
            buttons.append(
                InlineKeyboardButton(
                    r.time(start), callback_data=data(BOOK, "s", request.id, start_code(start, r.tz))
                )
            )
    rows: Rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    rows.append(
        [
            InlineKeyboardButton(
                r._("↩️ Back to the calendar"), callback_data=data(BOOK, "m", request.id, day.strftime("%Y%m"))
            )
        ]
    )
    text = r._("🕙 <b>{day}:</b> at what time?").format(day=format_date(day, "full", locale=r.locale))
    return text, InlineKeyboardMarkup(rows)
