"""The inline calendar of the time-window step: a month of days, then morning or afternoon.

Days before tomorrow and beyond the horizon cannot be picked (shown as "·"); weekends and public
holidays are shown in brackets; days with a chosen window carry a ✓.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from babel.dates import format_date, format_skeleton, get_day_names
from telegram import InlineKeyboardButton

from bot.context import BotContext
from bot.services.holidays import closed_day
from bot.services.intake_answers import DAY_PARTS, WINDOW_HORIZON_DAYS, Answers, windows_of
from handlers.intake import callbacks, labels
from models import IntakeStep

STEP = IntakeStep.TIMES


def day_code(day: date) -> str:
    """A date as it travels in callback data: ``20260512``."""
    return day.strftime("%Y%m%d")


def parse_day(code: str) -> date | None:
    """The date of ``day_code``; None for anything malformed."""
    if len(code) != 8 or not code.isdigit():
        return None
    try:
        return date(int(code[:4]), int(code[4:6]), int(code[6:]))
    except ValueError:
        return None


def parse_month(code: str) -> date | None:
    """The first day of the month ``202605``; None for anything malformed."""
    return parse_day(code + "01") if len(code) == 6 else None


def _month_code(day: date) -> str:
    """A month as the calendar buttons carry it."""
    return day.strftime("%Y%m")


def _add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def window_label(context: BotContext, day: date, part: str, *, year: bool = False) -> str:
    """ "Di., 12. Mai, vormittags"-style label of one window in the reader's language."""
    skeleton = "yMMMEd" if year else "MMMEd"
    when = format_skeleton(skeleton, day, locale=context.locale)
    return f"{when}, {context.gettext(labels.DAY_PARTS.get(part, part))}"


def day_label(day: date) -> str:
    """A calendar's label of ``day``: its number, in brackets on a weekend or public holidays (the
    intake's calendar and the advisor's date picker alike)."""
    return f"({day.day})" if closed_day(day) else str(day.day)


def first_pickable(today: date) -> date:
    """The earliest day a window can be on (tomorrow)."""
    return today + timedelta(days=1)


def clamp_month(month: date | None, today: date) -> date:
    """The month to show: the requested one if it has pickable days, else the first that has."""
    earliest = first_pickable(today).replace(day=1)
    latest = (today + timedelta(days=WINDOW_HORIZON_DAYS)).replace(day=1)
    if month is None or month < earliest:
        return earliest
    return min(month, latest)


def month_rows(
    context: BotContext, answers: Answers, month: date, today: date
) -> list[list[InlineKeyboardButton]]:
    """Navigation, weekday names and the days of ``month`` as buttons."""
    noop = callbacks.NOOP
    earliest, latest = first_pickable(today), today + timedelta(days=WINDOW_HORIZON_DAYS)
    chosen = {day for day, _part in windows_of(answers)}
    previous, following = _add_months(month, -1), _add_months(month, 1)
    nav = [
        InlineKeyboardButton("◀️", callback_data=callbacks.data(STEP, "m", _month_code(previous)))
        if previous >= earliest.replace(day=1)
        else InlineKeyboardButton(" ", callback_data=noop),
        InlineKeyboardButton(format_skeleton("yMMMM", month, locale=context.locale), callback_data=noop),
        InlineKeyboardButton("▶️", callback_data=callbacks.data(STEP, "m", _month_code(following)))
        if following <= latest
        else InlineKeyboardButton(" ", callback_data=noop),
    ]
    names = get_day_names("short", locale=context.locale, context="stand-alone")
    rows = [nav, [InlineKeyboardButton(names[i], callback_data=noop) for i in range(7)]]
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
        if week[-1] < earliest:
            continue  # a week entirely in the past is only noise on a phone
        row = []
        for day in week:
            if day.month != month.month:
                row.append(InlineKeyboardButton(" ", callback_data=noop))
            elif not earliest <= day <= latest:
                row.append(InlineKeyboardButton("·", callback_data=noop))
            else:
                label = day_label(day)
                if day in chosen:
                    label = "✓" + label
                row.append(
                    InlineKeyboardButton(label, callback_data=callbacks.data(STEP, "d", day_code(day)))
                )
        rows.append(row)
    return rows


def day_part_prompt(context: BotContext, day: date) -> tuple[str, list[list[InlineKeyboardButton]]]:
    """Ask morning or afternoon for ``day``, with a way back to the calendar."""
    _ = context.gettext
    text = _("{day}: which time of day suits you?").format(
        day=format_date(day, "full", locale=context.locale)
    )
    parts = []
    for part in DAY_PARTS:
        label = _(labels.DAY_PARTS[part])
        data = callbacks.data(STEP, "p", f"{day_code(day)}:{part}")
        parts.append(InlineKeyboardButton(label[:1].upper() + label[1:], callback_data=data))
    back = InlineKeyboardButton(
        _("↩️ Back to the calendar"), callback_data=callbacks.data(STEP, "m", _month_code(day))
    )
    return text, [parts[:2], parts[2:], [back]]
