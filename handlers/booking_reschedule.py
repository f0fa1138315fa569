"""Asking for another kickoff date as the contact: first "really?", then which days would suit them
(the intake's calendar: a day, then the time of day), then the request goes to the advisor with
those days. Actions of the ``bk`` buttons: ``n`` asks, ``na`` opens the calendar, ``nm`` turns the
month, ``nd`` picks a day, ``np`` its time of day, ``ns`` sends. Every button carries the booking and
the ``sequence`` it was shown with; the chosen days are stored on the booking as they are picked.
"""

from __future__ import annotations

import html
from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import BotContext
from bot.i18n import N_
from bot.services import booking, booking_wishes
from bot.services.booking import OPEN
from bot.services.booking_results import BookingOutcome
from bot.services.intake_answers import WINDOW_HORIZON_DAYS
from handlers import booking_notices
from handlers.callback_data import BOOK, Pressed, data
from handlers.intake import calendar
from handlers.notify import Outbox, me
from models import Booking, KickoffRequest, utcnow

ACTIONS = ("n", "na", "nm", "nd", "np", "ns")
NOT_AVAILABLE = N_("This is not available (any more).")
STALE = N_("This date is no longer current; the latest message about it is further down in the chat.")
Rows = list[list[InlineKeyboardButton]]


def _ours(raw: str, talk: Booking) -> str:
    """An intake calendar button's data as the same button of this booking."""
    parts = raw.split(":")
    actions = {"m": "nm", "d": "nd", "p": "np"}
    if len(parts) < 4 or parts[2] not in actions:
        return data(BOOK, "noop")
    return data(BOOK, actions[parts[2]], talk.id, talk.sequence, *parts[3:])


def _remapped(rows: Rows, talk: Booking) -> Rows:
    """The intake's calendar rows with buttons that act on ``talk``."""
    return [
        [InlineKeyboardButton(b.text, callback_data=_ours(str(b.callback_data), talk)) for b in row]
        for row in rows
    ]


def _today(context: BotContext) -> date:
    """Today in the programme's time zone."""
    return utcnow().astimezone(context.settings.tz).date()


def _calendar_screen(
    context: BotContext, talk: Booking, month: date | None
) -> tuple[str, InlineKeyboardMarkup]:
    """The month with the chosen days ticked, "send" and "keep the date"."""
    _ = context.gettext
    today = _today(context)
    wishes = booking_wishes.wishes_of(talk)
    answers = {"windows": [{"date": d.isoformat(), "part": p} for d, p in wishes]}
    shown = calendar.clamp_month(month or (wishes[0][0] if wishes else None), today)
    rows = _remapped(calendar.month_rows(context, answers, shown, today), talk)
    send = _("📨 Send request") if wishes else _("📨 Send: any day suits me")
    rows.append([InlineKeyboardButton(send, callback_data=data(BOOK, "ns", talk.id, talk.sequence))])
    rows.append([InlineKeyboardButton(_("↩️ Keep the date"), callback_data=data(BOOK, "ck", talk.id))])
    text = _(
        "📆 <b>Which days would suit you?</b>\nTap up to {max} days (weekends and public holidays in "
        "brackets) and choose the time of day; tap a ticked day again to remove it. Then send your request."
    ).format(max=booking_wishes.MAX_WISHES)
    if wishes:
        text += "\n\n" + _("Your choice:") + booking_notices.wish_lines(me(context), talk)
    return text, InlineKeyboardMarkup(rows)


async def _open_talk(
    context: BotContext, booking_id: int, sequence: int | None
) -> tuple[Booking, KickoffRequest] | None:
    """The contact's talk as it was shown (still open, same ``sequence``); else answer why not."""
    talk = await context.db.get(Booking, booking_id, populate_existing=True)
    request = await context.db.get(KickoffRequest, talk.request_id) if talk else None
    if talk is None or request is None or request.contact_user_id != context.user.id or sequence is None:
        context.answer(context.gettext(NOT_AVAILABLE), alert=True)
        return None
    if talk.status not in OPEN or talk.sequence != sequence:
        context.answer(context.gettext(STALE), alert=True)
        context.edit(context.gettext(STALE))
        return None
    return talk, request


def _ask_first(context: BotContext, talk: Booking) -> None:
    """ "Do you really want another date?" with yes and "keep it"."""
    _ = context.gettext
    question = _(
        "Do you want to ask for another date instead of {when}? "
        "Next you can choose which days would suit you."
    ).format(when=me(context).when(talk.starts_at))
    yes = InlineKeyboardButton(
        _("✅ Yes, another date"), callback_data=data(BOOK, "na", talk.id, talk.sequence)
    )
    no = InlineKeyboardButton(_("↩️ Keep the date"), callback_data=data(BOOK, "ck", talk.id))
    context.edit(question, InlineKeyboardMarkup([[yes], [no]]))


def _pickable(context: BotContext, day: date | None) -> bool:
    """Whether ``day`` lies within the window a talk may be moved to."""
    today = _today(context)
    return day is not None and calendar.first_pickable(today) <= day <= today + timedelta(
        days=WINDOW_HORIZON_DAYS
    )


async def _store(
    context: BotContext, talk: Booking, wishes: list[tuple[date, str]], month: date | None
) -> None:
    """Store the chosen days and show the calendar again."""
    result = await booking_wishes.set_wishes(
        context.db, talk.id, context.user.id, talk.sequence, wishes, utcnow()
    )
    if result.kind != BookingOutcome.PROPOSED or result.booking is None:
        context.answer(context.gettext(STALE), alert=True)
        return
    context.answer()
    context.edit(*_calendar_screen(context, result.booking, month))


async def _send(context: BotContext, talk: Booking, sequence: int) -> None:
    """The request for another date goes to the advisor, with the chosen days."""
    _ = context.gettext
    result = await booking.ask_another(context.db, talk.id, context.user.id, sequence, utcnow())
    if result.kind != BookingOutcome.DECLINED or result.booking is None or result.request is None:
        context.answer(_(STALE), alert=True)
        return
    context.answer()
    if result.advisor is not None:
        text = _("🔁 You asked for another date. {name} will propose a new one here in the chat.").format(
            name=html.escape(result.advisor.display_name)
        )
    else:
        text = _("🔁 You asked for another date. Your new advisor will propose one here in the chat.")
    wishes = booking_notices.wish_lines(me(context), result.booking)
    if wishes:
        text += "\n\n" + _("Your choice:") + wishes
    context.edit(text)
    out = Outbox.of(context)
    await booking_notices.another_date_asked(out, result.booking, result.request, result.advisor)


async def pressed(context: BotContext, pressed: Pressed, booking_id: int) -> None:
    """Every button of asking for another date."""
    found = await _open_talk(context, booking_id, pressed.id(1))
    if found is None:
        return
    talk, _request = found
    if pressed.action == "n":
        context.answer()
        _ask_first(context, talk)
    elif pressed.action == "na":
        await _store(context, talk, [], None)  # a fresh choice
    elif pressed.action == "nm":
        context.answer()
        context.edit(*_calendar_screen(context, talk, calendar.parse_month(pressed.arg(2))))
    elif pressed.action == "nd" and _pickable(context, day := calendar.parse_day(pressed.arg(2))):
        assert day is not None
        wishes = booking_wishes.wishes_of(talk)
        if any(d == day for d, _p in wishes):  # a ticked day: remove it
            await _store(context, talk, [w for w in wishes if w[0] != day], day)
            return
        if len(wishes) >= booking_wishes.MAX_WISHES:
            context.answer(
                context.gettext("You can choose up to {max} days.").format(max=booking_wishes.MAX_WISHES),
                alert=True,
            )
            return
        text, rows = calendar.day_part_prompt(context, day)
        context.answer()
        context.edit(text, InlineKeyboardMarkup(_remapped(rows, talk)))
    elif pressed.action == "np" and _pickable(context, day := calendar.parse_day(pressed.arg(2))):
        assert day is not None
        part = pressed.arg(3)
        await _store(context, talk, booking_wishes.toggled(booking_wishes.wishes_of(talk), day, part), day)
    elif pressed.action == "ns":
        await _send(context, talk, talk.sequence)
    else:
        context.answer(context.gettext("This button is no longer valid."), alert=True)
