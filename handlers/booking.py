"""The kickoff date in the chat: the advisor proposes, the contact confirms or asks for another
(:mod:`handlers.booking_reschedule`), either side cancels (the advisor stays). Every change is
:mod:`bot.services.booking`'s compare-and-set; a button of an older proposal (its ``sequence``)
changes nothing. The two sides are the contact and the request's current advisor: buttons of an
advisor the request was taken from only say that it moved on.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import N_
from bot.services import booking, offers
from bot.services.booking_results import BookingOutcome, BookingResult, BookingTiming
from handlers import booking_link, booking_notices, booking_picker, booking_reschedule
from handlers.callback_data import BOOK, Pressed, data, parse, pattern
from handlers.notify import Outbox, me
from models import Advisor, Booking, BookingStatus, KickoffRequest, RequestStatus, utcnow

NOT_AVAILABLE = N_("This is not available (any more).")
PROPOSABLE = (RequestStatus.ACCEPTED, RequestStatus.SCHEDULED)


async def _held_request(context: BotContext, request_id: int) -> KickoffRequest | None:
    """The request if the presser is its advisor and a date can be proposed; else answer why not."""
    request = await context.db.get(KickoffRequest, request_id, populate_existing=True)
    holder = await offers.holder(context.db, request_id)
    # A deactivated advisor who still holds the request proposes nothing (a date brings contact data).
    if request is None or holder is None or holder.user_id != context.user.id or not holder.active:
        context.answer(context.gettext(NOT_AVAILABLE), alert=True)
        return None
    if request.status not in PROPOSABLE:
        context.answer(context.gettext("No date can be proposed for this request now."), alert=True)
        return None
    return request


async def _picker(context: BotContext, pressed: Pressed, request_id: int) -> None:
    """Options, a month or a day's times: screens only. "Propose a date" ("p") opens the picker as a
    new message so that the message it was pressed on (the contact's details) stays in the chat;
    the picker's own buttons ("o", "m", "d") change the picker in place."""
    request = await _held_request(context, request_id)
    if request is None:
        return
    now, r = utcnow(), me(context)
    today = now.astimezone(context.settings.tz).date()
    day = booking_picker.parse_day(pressed.arg(1)) if pressed.action in ("m", "d") else None
    talk = await booking.for_request(context.db, request_id)
    # After "another date" the days the contact wished come first.
    wishes = talk.wished_windows if talk and talk.status == BookingStatus.DECLINED else None
    if pressed.action in ("p", "o"):
        screen = booking_picker.options(r, request, now, wishes)
    elif pressed.action == "m" and day is not None:
        screen = booking_picker.month(r, request, day, now, wishes)
    elif pressed.action == "d" and day is not None and today < day <= today + booking_picker.HORIZON:
        screen = booking_picker.times(r, request, day, now)
    else:
        context.answer(context.gettext("This button is no longer valid."), alert=True)
        return
    context.answer()
    if pressed.action == "p":
        context.reply(*screen)
    else:
        context.edit(*screen)


async def _propose(context: BotContext, request_id: int, code: str) -> None:
    """Propose the chosen start time to the municipality."""
    _ = context.gettext
    start = booking_picker.parse_start(code, context.settings.tz)
    if start is None:
        context.answer(_("This button is no longer valid."), alert=True)
        return
    now = utcnow()
    result = await booking.propose(context.db, request_id, context.user.id, start, now)
    if result.kind in (BookingOutcome.PROPOSED, BookingOutcome.RESCHEDULED):
        assert result.booking and result.request and result.advisor
        context.answer(_("Proposed."))
        r = me(context)
        markup = booking_notices.advisor_buttons(r, result.booking, result.request)
        context.edit(booking_notices.proposed_for_advisor(r, result.booking, result.request), markup)
        out = Outbox.of(context)
        contact = await out.reader(result.request.contact_user_id)
        if contact is not None:
            previous = result.previous_start if result.kind == BookingOutcome.RESCHEDULED else None
            out.send(
                contact,
                *booking_notices.proposal_for_contact(
                    contact, result.booking, result.request, result.advisor, previous
                ),
            )
    elif result.kind == BookingOutcome.IN_PAST and result.request is not None:
        context.answer(_("This time has passed. Please choose another."), alert=True)
        context.edit(*booking_picker.options(me(context), result.request, now))
    elif result.kind == BookingOutcome.REQUEST_CLOSED:
        context.answer(_("No date can be proposed for this request now."), alert=True)
    elif result.kind == BookingOutcome.SAME_DATE and result.booking is not None:
        if result.booking.status == BookingStatus.CONFIRMED:
            text = _("This is already the agreed date. To move the talk, please choose another time.")
        else:
            text = _("You have already proposed this time; the contact is asked to confirm it.")
        context.answer(text, alert=True)
    else:
        context.answer(_(NOT_AVAILABLE), alert=True)


def _stale(context: BotContext, result: BookingResult) -> None:
    """Tell the user why their press on a booking button changed nothing."""
    _ = context.gettext
    if result.kind == BookingOutcome.STALE:
        text = _("This date is no longer current; the latest message about it is further down in the chat.")
        context.answer(text, alert=True)
        context.edit(text)
    elif result.kind == BookingOutcome.IN_PAST:
        context.answer(_("This date has passed. Please ask for another."), alert=True)
    else:
        context.answer(_(NOT_AVAILABLE), alert=True)


async def _confirm(context: BotContext, pressed: Pressed, booking_id: int) -> None:
    """The contact confirms the proposal."""
    _ = context.gettext
    sequence = pressed.id(1)
    if sequence is None:
        context.answer(_("This button is no longer valid."), alert=True)
        return
    now, out = utcnow(), Outbox.of(context)
    timing = BookingTiming.from_settings(context.settings)
    result = await booking.confirm(context.db, booking_id, context.user.id, sequence, now, timing)
    talk = result.booking
    if result.kind == BookingOutcome.STALE and talk and talk.status == BookingStatus.CONFIRMED:
        if talk.sequence == sequence:  # a double tap: the first one confirmed it
            context.answer(_("You have already confirmed this date."))
            return
    if result.kind != BookingOutcome.CONFIRMED:
        _stale(context, result)
        return
    assert result.booking and result.request and result.advisor
    context.answer(_("Confirmed."))
    context.edit(_("✅ You confirmed {when}.").format(when=me(context).when(result.booking.starts_at)))
    await booking_notices.confirmed(out, result.booking, result.request, result.advisor)


async def _party_booking(
    context: BotContext, booking_id: int
) -> tuple[Booking, KickoffRequest, Advisor] | None:
    """The booking if the presser is its contact or the request's current advisor, with the advisor
    to name (the current one, or the one the date was made with while the request waits for a new
    one); the advisor the request was taken from is told it moved on."""
    talk = await context.db.get(Booking, booking_id, populate_existing=True)
    request = await context.db.get(KickoffRequest, talk.request_id) if talk else None
    current, booked_with = await booking.sides(context.db, talk) if talk else (None, None)
    named = current or booked_with
    if talk is None or request is None or named is None:
        context.answer(context.gettext(NOT_AVAILABLE), alert=True)
        return None
    if context.user.id not in (request.contact_user_id, current.user_id if current else None):
        moved_on = booked_with is not None and booked_with.user_id == context.user.id
        context.answer(context.gettext(booking_link.MOVED_ON if moved_on else NOT_AVAILABLE), alert=True)
        return None
    return talk, request, named


def _keep(context: BotContext, talk: Booking, request: KickoffRequest, advisor: Advisor) -> None:
    """ "No, keep it": the talk's message again, with its buttons, as it was before "cancel"."""
    r = me(context)
    is_contact = context.user.id == request.contact_user_id
    if talk.status == BookingStatus.CONFIRMED and is_contact:
        context.edit(*booking_notices.confirmed_for_contact(r, talk, request, advisor))
    elif talk.status == BookingStatus.CONFIRMED:
        context.edit(*booking_notices.confirmed_for_advisor(r, talk, request))
    elif talk.status == BookingStatus.PROPOSED and is_contact:
        context.edit(*booking_notices.proposal_for_contact(r, talk, request, advisor))
    elif talk.status == BookingStatus.PROPOSED:
        markup = booking_notices.advisor_buttons(r, talk, request)
        context.edit(booking_notices.proposed_for_advisor(r, talk, request), markup)
    else:
        context.edit(context.gettext("OK, nothing was changed."))


async def _cancel(context: BotContext, pressed: Pressed, booking_id: int) -> None:
    """Ask first ("c"), then cancel ("cy") or keep ("ck")."""
    _ = context.gettext
    found = await _party_booking(context, booking_id)
    if found is None:
        return
    talk, request, advisor = found
    if pressed.action == "ck":
        context.answer()
        _keep(context, talk, request, advisor)
        return
    if pressed.action == "c":
        if talk.status not in (BookingStatus.PROPOSED, BookingStatus.CONFIRMED):
            context.answer(_("This talk is not planned any more."), alert=True)
            return
        context.answer()
        question = _("Do you really want to cancel the kickoff talk {reference} on {when}?").format(
            reference=html.escape(request.reference), when=me(context).when(talk.starts_at)
        )
        yes = InlineKeyboardButton(_("Yes, cancel"), callback_data=data(BOOK, "cy", talk.id))
        no = InlineKeyboardButton(_("No, keep it"), callback_data=data(BOOK, "ck", talk.id))
        context.edit(question, InlineKeyboardMarkup([[yes, no]]))
        return
    result = await booking.cancel(context.db, talk.id, context.user.id, utcnow())
    if result.kind == BookingOutcome.MOVED_ON:
        context.answer(_(booking_link.MOVED_ON), alert=True)
        return
    if result.kind != BookingOutcome.CANCELLED:
        _stale(context, result)
        return
    context.answer(_("Cancelled."))
    by_contact = context.user.id == request.contact_user_id and context.user.id != advisor.user_id
    text = _("✖️ The kickoff talk {reference} is cancelled; the other side has been told.")
    markup = (
        None if by_contact else InlineKeyboardMarkup([[booking_notices.propose_button(me(context), request)]])
    )
    if by_contact and result.advisor is None:  # the request waits for a new advisor: they propose
        text = _("✖️ The kickoff talk {reference} is cancelled. Your new advisor will propose a date.")
    context.edit(text.format(reference=html.escape(request.reference)), markup)
    await booking_notices.cancelled(
        Outbox.of(context),
        talk,
        request,
        result.advisor,
        by_contact=by_contact,
        was_confirmed=result.was_confirmed,
        booked_with=result.booked_with,
    )


async def booking_button(update: Update, context: BotContext) -> None:
    """Every booking button, for advisors and contacts alike; the database decides who may press."""
    assert update.callback_query is not None
    pressed = parse(update.callback_query.data, BOOK)
    target = pressed.id(0) if pressed else None
    if pressed is not None and pressed.action == "noop":
        context.answer()
    elif pressed is None or target is None:
        context.answer(context.gettext("This button is no longer valid."), alert=True)
    elif pressed.action in ("p", "o", "m", "d"):
        await _picker(context, pressed, target)
    elif pressed.action == "s":
        await _propose(context, target, pressed.arg(1))
    elif pressed.action == "y":
        await _confirm(context, pressed, target)
    elif pressed.action in booking_reschedule.ACTIONS:
        await booking_reschedule.pressed(context, pressed, target)
    elif pressed.action == "l":
        await booking_link.ask(context, target)
    elif pressed.action in ("c", "cy", "ck"):
        await _cancel(context, pressed, target)
    else:
        context.answer(context.gettext("This button is no longer valid."), alert=True)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [CallbackQueryHandler(booking_button, pattern=pattern(BOOK))]
