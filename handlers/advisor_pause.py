"""/pause: no new offers up to and including a date (buttons for common lengths, or ``/pause 31.12.2026``).

Offers already pending stay; the pause only keeps matching from offering anything new. A
deactivated advisor gets no offers at all, so there is nothing for them to pause: they are told
whom to ask instead. The typed-date parsing here is shared with the coordinators' /berater screens.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import i18n
from bot.authz import requires
from bot.commands import command
from bot.context import BotContext
from bot.services import advisors
from handlers.advisor_profile import deactivated_text, own_profile, status_text
from handlers.callback_data import PAUSE, data, parse, pattern
from handlers.notify import Reader, me
from models import Advisor, Role, utcnow

MAX_PAUSE_DAYS = 366
WEEKS = (1, 2, 4)
_DOTTED = re.compile(r"^(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4}|\d{2})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# Month first: how English speakers write dates, and how the English quick buttons show them.
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})$")
_CODE = re.compile(r"^\d{8}$")


def _year(text: str) -> int:
    """A year as typed, with two digits meaning 20xx."""
    year = int(text)
    return year + 2000 if year < 100 else year


def parse_date(text: str, locale: str) -> date | None:
    """A date written as 31.12.2026, 31.12.26, 2026-12-31 or with the month's name (31 Dec 2026; for
    ``locale`` "en" also 12/31/2026 or 12/31/26); None for anything else, including days that do
    not exist."""
    text = text.strip()
    try:
        if found := _ISO.match(text):
            return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        if found := _DOTTED.match(text):
            return date(_year(found.group(3)), int(found.group(2)), int(found.group(1)))
        if locale == "en" and (found := _SLASHED.match(text)):
            return date(_year(found.group(3)), int(found.group(1)), int(found.group(2)))
    except ValueError:
        return None
    # As the quick buttons show it ("4 Dec 2026").
    return i18n.parse_written_date(text, locale)


def from_code(code: str) -> date | None:
    """The day in a button's ``YYYYMMDD`` argument; None when it is no real day."""
    if not _CODE.match(code):
        return None
    try:
        return date(int(code[:4]), int(code[4:6]), int(code[6:]))
    except ValueError:
        return None


def in_range(day: date, today: date) -> bool:
    """Whether a pause may last until ``day``: from today up to a year ahead."""
    return today <= day <= today + timedelta(days=MAX_PAUSE_DAYS)


def _written(r: Reader, day: date) -> list[str]:
    """``day`` in every way :func:`parse_date` reads for ``r``, the reader's usual way first."""
    ways = [day.strftime("%d.%m.%Y"), day.isoformat()]
    if r.locale == "en":
        ways.insert(0, f"{day.month}/{day.day}/{day.year}")
    return ways


def example_date(r: Reader, today: date) -> str:
    """A date to show as an example, written the reader's usual way (the 31st, so the order is clear)."""
    return _written(r, date(today.year, 12, 31))[0]


def typed_day(r: Reader, text: str, today: date) -> tuple[date | None, str | None]:
    """The day ``text`` names if a pause may end on it, else None and what is wrong, worded for ``r``.

    Text that is no date is told the formats that work; only a real date outside the allowed
    range is told the range.
    """
    day = parse_date(text, r.locale)
    if day is None:
        formats = ", ".join(_written(r, date(today.year, 12, 31)))
        return None, "⚠️ " + r._(
            "We cannot read that as a date. Please write it like this: {formats}."
        ).format(formats=formats)
    if not in_range(day, today):
        last = datetime.combine(today + timedelta(days=MAX_PAUSE_DAYS), datetime.min.time(), r.tz)
        return None, "⚠️ " + r._(
            "Please give a date from today up to one year ahead (at the latest {date})."
        ).format(date=r.day(last))
    return day, None


def _today(context: BotContext) -> date:
    """Today in the programme's time zone."""
    return utcnow().astimezone(context.settings.tz).date()


def _screen(
    context: BotContext, advisor: Advisor, notice: str | None = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The pause screen for the advisor: the current pause and the choices."""
    _ = context.gettext
    if not advisor.active:
        # No buttons: a deactivated advisor has nothing to pause or end.
        return deactivated_text(context), None
    today = _today(context)
    rows = [
        [
            InlineKeyboardButton(
                context.ngettext("{n} week", "{n} weeks", n).format(n=n),
                callback_data=data(PAUSE, "u", (today + timedelta(weeks=n)).strftime("%Y%m%d")),
            )
            for n in WEEKS
        ],
        [InlineKeyboardButton(_("▶️ End the pause"), callback_data=data(PAUSE, "end"))],
    ]
    lines = [notice] if notice else []
    lines += [
        _("⏸ <b>Pause new offers</b>"),
        _("<b>Status:</b> {status}").format(status=status_text(me(context), advisor)),
        _("Choose how long, or send a date, e.g. /{command} {example}.").format(
            command=command("pause").name(context.locale), example=example_date(me(context), today)
        ),
    ]
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


async def _set(context: BotContext, advisor: Advisor, until: date) -> tuple[str, InlineKeyboardMarkup | None]:
    """Pause until ``until`` (a past day ends the pause); the screen to show afterwards."""
    _ = context.gettext
    # Read afresh and locked: a coordinator may have deactivated the advisor since the screen was
    # shown, and their deactivation locks the same row, so one of the two waits for the other.
    locked = await context.db.scalar(
        select(Advisor)
        .where(Advisor.id == advisor.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None or not locked.active:
        return _screen(context, locked or advisor)
    await advisors.pause(context.db, locked.id, until, context.settings.tz, utcnow())
    if until < _today(context) and advisors.profile_gaps(locked):
        # Offers still wait for languages and area: the status below says which.
        notice = _("✓ The pause has ended.")
    elif until < _today(context):
        notice = _("✓ The pause has ended; you can receive offers again.")
    else:
        shown = datetime.combine(until, datetime.min.time(), context.settings.tz)
        notice = _("✓ Paused until {date} (inclusive).").format(date=me(context).day(shown))
    return _screen(context, locked, notice)


@requires(Role.ADVISOR)
async def pause_command(update: Update, context: BotContext) -> None:
    """Answer /pause: show the choices, or pause until the date given after the command."""
    advisor = await own_profile(update, context)
    if advisor is None:
        return
    words = (update.effective_message.text or "").split() if update.effective_message else []
    if len(words) < 2 or not advisor.active:
        context.reply(*_screen(context, advisor))
        return
    # Everything after the command, so "31. 12. 2026" is read as one date.
    until, problem = typed_day(me(context), " ".join(words[1:]), _today(context))
    if until is None:
        context.reply(*_screen(context, advisor, problem))
        return
    context.reply(*await _set(context, advisor, until))


@requires(Role.ADVISOR)
async def pause_button(update: Update, context: BotContext) -> None:
    """A length of pause or "end the pause"."""
    assert update.callback_query is not None
    advisor = await own_profile(update, context)
    if advisor is None:
        return
    if not advisor.active:
        # An old pause message: replace it, so no button suggests offers could come.
        context.answer()
        context.edit(*_screen(context, advisor))
        return
    pressed = parse(update.callback_query.data, PAUSE)
    today = _today(context)
    until: date | None = None
    if pressed is not None and pressed.action == "end":
        until = today - timedelta(days=1)
    elif pressed is not None and pressed.action == "u":
        until = from_code(pressed.arg(0))
        if until is not None and not in_range(until, today):
            until = None
    if until is None:
        context.answer(context.gettext("This button is no longer valid."), alert=True)
        return
    context.answer()
    context.edit(*await _set(context, advisor, until))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("pause").names, pause_command),
        CallbackQueryHandler(pause_button, pattern=pattern(PAUSE)),
    ]
