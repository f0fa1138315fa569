"""/pause: no new offers up to and including a date (buttons for common lengths, or ``/pause 31.12.2026``).

Offers already pending stay; the pause only keeps matching from offering anything new.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.authz import requires
from bot.commands import command
from bot.context import BotContext
from bot.services import advisors
from handlers.advisor_profile import own_profile, status_text
from handlers.callback_data import PAUSE, data, parse, pattern
from handlers.notify import me
from models import Advisor, Role, utcnow

MAX_PAUSE_DAYS = 366
WEEKS = (1, 2, 4)
_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$|^(\d{4})-(\d{2})-(\d{2})$")


def parse_date(text: str) -> date | None:
    """A date written as 31.12.2026, 31.12.26 or 2026-12-31; None for anything else."""
    found = _DATE.match(text.strip())
    if found is None:
        return None
    try:
        if found.group(4):
            return date(int(found.group(4)), int(found.group(5)), int(found.group(6)))
        year = int(found.group(3))
        return date(year + 2000 if year < 100 else year, int(found.group(2)), int(found.group(1)))
    except ValueError:
        return None


def _today(context: BotContext) -> date:
    return utcnow().astimezone(context.settings.tz).date()


def _screen(
    context: BotContext, advisor: Advisor, notice: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.gettext
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
        _("Choose how long, or send a date, e.g. /{command} 31.12.2026.").format(
            command=command("pause").name(context.locale)
        ),
    ]
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


async def _set(context: BotContext, advisor: Advisor, until: date) -> str:
    """Pause until ``until`` (a past day ends the pause); the notice to show."""
    _ = context.gettext
    await advisors.pause(context.db, advisor.id, until, context.settings.tz, utcnow())
    if until < _today(context):
        return _("✓ The pause has ended; you can receive offers again.")
    shown = datetime.combine(until, datetime.min.time(), context.settings.tz)
    return _("✓ Paused until {date} (inclusive).").format(date=me(context).day(shown))


@requires(Role.ADVISOR)
async def pause_command(update: Update, context: BotContext) -> None:
    """Answer /pause: show the choices, or pause until the date given after the command."""
    _ = context.gettext
    advisor = await own_profile(update, context)
    if advisor is None:
        return
    words = (update.effective_message.text or "").split() if update.effective_message else []
    if len(words) < 2:
        context.reply(*_screen(context, advisor))
        return
    until = parse_date(words[1])
    today = _today(context)
    if until is None or until < today or until > today + timedelta(days=MAX_PAUSE_DAYS):
        notice = "⚠️ " + _("Please give a date from today up to one year ahead, e.g. 31.12.2026.")
        context.reply(*_screen(context, advisor, notice))
        return
    context.reply(*_screen(context, advisor, await _set(context, advisor, until)))


@requires(Role.ADVISOR)
async def pause_button(update: Update, context: BotContext) -> None:
    """A length of pause or "end the pause"."""
    assert update.callback_query is not None
    advisor = await own_profile(update, context)
    if advisor is None:
        return
    pressed = parse(update.callback_query.data, PAUSE)
    today = _today(context)
    if pressed is not None and pressed.action == "end":
        until: date | None = today - timedelta(days=1)
    elif pressed is not None and pressed.action == "u":
        code = pressed.arg(0)
        until = parse_date(f"{code[:4]}-{code[4:6]}-{code[6:]}") if len(code) == 8 else None
        if until is not None and not today <= until <= today + timedelta(days=MAX_PAUSE_DAYS):
            until = None
    else:
        until = None
    if until is None:
        context.answer(context.gettext("This button is no longer valid."), alert=True)
        return
    context.answer()
    context.edit(*_screen(context, advisor, await _set(context, advisor, until)))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("pause").names, pause_command),
        CallbackQueryHandler(pause_button, pattern=pattern(PAUSE)),
    ]
