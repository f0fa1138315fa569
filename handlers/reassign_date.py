"""The new advisor of a reassigned request answers whether they take over its confirmed kickoff date
(it stays, the contact is told) or propose another (the date is cancelled, the picker opens)."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext
from bot.services import reassignment
from bot.services.booking_results import BookingTiming
from bot.services.reassignment import TakeoverOutcome
from handlers import booking_notices, reassign_notices, request_view
from handlers.callback_data import parse, pattern
from handlers.date_takeover import TAKEOVER
from handlers.notify import Outbox, me
from models import utcnow


async def takeover_button(update: Update, context: BotContext) -> None:
    """Take over the date ("k") or propose another ("n"); a stale button says the date moved on."""
    assert update.callback_query is not None
    _ = context.gettext
    pressed = parse(update.callback_query.data, TAKEOVER)
    booking_id = pressed.id(0) if pressed else None
    sequence = pressed.id(1) if pressed else None
    if pressed is None or pressed.action not in ("k", "n") or booking_id is None or sequence is None:
        context.answer(_("This button is no longer valid."), alert=True)
        return
    result = await reassignment.answer_waiting_date(
        context.db,
        booking_id,
        context.user.id,
        sequence,
        pressed.action == "k",
        utcnow(),
        BookingTiming.from_settings(context.settings),
    )
    if result.kind == TakeoverOutcome.NOT_YOURS:
        context.answer(_("This button is no longer valid."), alert=True)
        return
    if result.kind == TakeoverOutcome.STALE or result.booking is None or result.request is None:
        context.answer(_("This date has changed in the meantime; nothing was done."), alert=True)
        context.edit(_("ℹ️ This date has changed in the meantime."))
        return
    r, out = me(context), Outbox.of(context)
    talk, request = result.booking, result.request
    if result.kind == TakeoverOutcome.TAKEN:
        context.answer(_("Date taken over."))
        text = _(
            "✅ <b>You have taken over the kickoff talk {reference}:</b> {when} ({format}, {place}). The "
            "contact has been told; the calendar entry follows."
        ).format(
            reference=html.escape(request.reference),
            when=r.when(talk.starts_at),
            format=html.escape(request_view.meeting_format(r, request)),
            place=request_view.place(request),
        )
        context.edit(text, booking_notices.advisor_buttons(r, talk, request))
        await reassign_notices.taken_over(out, result)
        return
    context.answer(_("The date is cancelled."))
    text = _(
        "The kickoff talk on {when} is cancelled and the contact has been told. Please propose a new date."
    ).format(when=r.when(talk.starts_at))
    context.edit(text, InlineKeyboardMarkup([[booking_notices.propose_button(r, request)]]))
    await reassign_notices.date_declined(out, result)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [CallbackQueryHandler(takeover_button, pattern=pattern(TAKEOVER))]
