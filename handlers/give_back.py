"""An advisor gives back a request they accepted, from its page in /auftraege: a reason, then the
coordinators are told, the contact learns their advisor changes (an open kickoff date is cancelled,
with a calendar cancellation if it had been confirmed) and the cascade offers it to the next advisor.

The buttons belong to the assignments list (``MINE`` callback data); :mod:`handlers.assignments`
routes them here. What may happen is decided by :mod:`bot.services.give_back` when pressed.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.authz import current_holder
from bot.context import BotContext
from bot.i18n import N_
from bot.services import chat_inputs, give_back
from bot.services.assignment import Withdrawal
from bot.services.offer_results import OfferOutcome, OfferResult, OfferTiming
from handlers import booking_notices, cascade
from handlers.callback_data import MINE, data
from handlers.notify import Outbox, Reader, me
from handlers.offer_texts import GIVE_BACK_REASONS
from models import ChatInput, KickoffRequest, utcnow

NOT_AVAILABLE = N_("This is not available (any more).")
OTHER = "other"
# The open question whose answer is a reason typed in the advisor's own words.
GIVE_BACK_INPUT = "as_give_back"


def button(r: Reader, request: KickoffRequest) -> InlineKeyboardButton:
    """The "give back" button on a held request's page."""
    return InlineKeyboardButton(r._("↩️ Give back"), callback_data=data(MINE, "g", request.id))


def reason_label(r: Reader, code: str) -> str:
    """A give-back reason in the reader's words (a stored code, or the text as stored)."""
    label = GIVE_BACK_REASONS.get(code)
    return r._(label) if label is not None else html.escape(code)


async def _held(context: BotContext, request_id: int) -> KickoffRequest | None:
    """The request if the presser may give it back now (otherwise they are told it is not available)."""
    request = await current_holder(context.db, context.user.id, request_id)
    if request is None or not await give_back.can_give_back(context.db, context.user.id, request):
        context.answer(context.gettext(NOT_AVAILABLE), alert=True)
        return None
    return request


def _keep(r: Reader, request: KickoffRequest) -> InlineKeyboardButton:
    """The button that keeps the request instead of giving it back."""
    return InlineKeyboardButton(r._("⬅️ Keep the request"), callback_data=data(MINE, "v", request.id))


async def ask_reason(context: BotContext, request_id: int) -> None:
    """First step: why (changes nothing yet); the page's message becomes the list of reasons, the
    last of which asks for a reason in the advisor's own words."""
    request = await _held(context, request_id)
    if request is None:
        return
    r = me(context)
    rows = [
        [InlineKeyboardButton(r._(label), callback_data=data(MINE, "gr", request.id, code))]
        for code, label in GIVE_BACK_REASONS.items()
        if code != OTHER
    ]
    rows.append(
        [InlineKeyboardButton(r._(GIVE_BACK_REASONS[OTHER]), callback_data=data(MINE, "go", request.id))]
    )
    rows.append([_keep(r, request)])
    text = r._(
        "↩️ <b>Give back {reference}?</b>\n\nPlease choose the reason. The coordination team is told and we "
        "offer the request to another advisor; a kickoff date you agreed is cancelled and the contact is "
        "told."
    ).format(reference=html.escape(request.reference))
    context.answer()
    context.edit(text, InlineKeyboardMarkup(rows))


async def ask_typed(context: BotContext, request_id: int) -> None:
    """ "Another reason": the advisor's next text is the reason (until they keep the request)."""
    request = await _held(context, request_id)
    if request is None:
        return
    await chat_inputs.expect(context.db, context.user.id, GIVE_BACK_INPUT, utcnow(), request.id)
    r = me(context)
    context.answer()
    context.edit(
        r._("Please write the reason in a few words (up to {max} characters).").format(
            max=give_back.REASON_MAX
        ),
        InlineKeyboardMarkup([[_keep(r, request)]]),
    )


async def on_text(context: BotContext, row: ChatInput, text: str) -> None:
    """The reason typed after "another reason": give the request back with it."""
    if not await chat_inputs.take(context.db, row) or row.target_id is None:
        return
    reason = text.strip()
    if not reason or len(reason) > give_back.REASON_MAX:
        await chat_inputs.expect(context.db, context.user.id, GIVE_BACK_INPUT, utcnow(), row.target_id)
        context.reply(
            context.gettext("Please write the reason in a few words (up to {max} characters).").format(
                max=give_back.REASON_MAX
            )
        )
        return
    await _give_back(context, row.target_id, reason, pressed=False)


async def confirm(context: BotContext, request_id: int, code: str) -> None:
    """Second step: give it back with the chosen reason and tell everyone concerned."""
    if code not in GIVE_BACK_REASONS:
        context.answer(context.gettext("This button is no longer valid."), alert=True)
        return
    await _give_back(context, request_id, code, pressed=True)


async def _give_back(context: BotContext, request_id: int, reason: str, *, pressed: bool) -> None:
    """Give the request back (a reason code or typed text); answer in place of the pressed message
    or, after a typed reason, anew."""
    await chat_inputs.clear(context.db, context.user.id, GIVE_BACK_INPUT)
    timing = OfferTiming.from_settings(context.settings)
    result, withdrawal = await give_back.give_back(
        context.db, request_id, context.user.id, reason, utcnow(), timing
    )
    r = me(context)
    if result.kind != OfferOutcome.GIVEN_BACK or result.request is None or result.advisor is None:
        if pressed:
            context.answer(r._(NOT_AVAILABLE), alert=True)
        else:
            context.reply(r._(NOT_AVAILABLE))
        return
    text = r._(
        "↩️ You gave back {reference} ({reason}). Thank you for letting us know; the coordination "
        "team takes it from here."
    ).format(reference=html.escape(result.request.reference), reason=reason_label(r, reason))
    if pressed:
        context.answer(r._("Given back."))
        context.edit(text)
    else:
        context.reply(text)
    out = Outbox.of(context)
    await _tell(out, result, withdrawal, r)
    await cascade.announce(out, result.next)


async def _tell(out: Outbox, result: OfferResult, withdrawal: Withdrawal | None, own: Reader) -> None:
    """The contact (a cancelled date with its calendar cancellation), the advisor's own calendar,
    and the coordinators (who, why, what followed)."""
    request, advisor = result.request, result.advisor
    assert request is not None and advisor is not None
    talk = withdrawal.booking if withdrawal is not None else None
    confirmed = talk is not None and withdrawal is not None and withdrawal.booking_was_confirmed
    contact = await out.reader(request.contact_user_id)
    if contact is not None:
        text = contact._(
            "ℹ️ Your advisor for {reference} is no longer available. We are looking for someone "
            "else and will let you know."
        ).format(reference=html.escape(request.reference))
        if talk is not None:
            text += "\n" + contact._("The kickoff talk on {when} is cancelled.").format(
                when=contact.when(talk.starts_at)
            )
        out.send(contact, text)
        if talk is not None and confirmed:
            booking_notices.send_calendar_file(out, contact, talk, request, advisor)
    if talk is not None and confirmed:
        booking_notices.send_calendar_file(out, own, talk, request, advisor)
    reason = result.offer.decline_reason if result.offer is not None else None
    for r in await out.coordinator_rooms():
        lines = [
            r._("↩️ <b>{name} gave back {reference}</b>: {reason}").format(
                name=html.escape(advisor.display_name),
                reference=html.escape(request.reference),
                reason=reason_label(r, reason or "other"),
            )
        ]
        if talk is not None:
            lines.append(
                r._("The kickoff talk on {when} was cancelled; the contact has been told.").format(
                    when=r.when(talk.starts_at)
                )
            )
        follow = result.next
        if follow is not None and follow.kind == OfferOutcome.OFFERED and follow.advisor is not None:
            lines.append(
                r._("The request was offered to {name}.").format(
                    name=html.escape(follow.advisor.display_name)
                )
            )
        out.send(r, "\n".join(lines))
