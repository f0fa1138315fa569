"""An advisor answers an offer: view it, accept it (then sees the contact's details) or decline with a reason.

Every press goes to :mod:`bot.services.offers`, which compare-and-sets the offer for the presser;
double taps, stale or forged buttons change nothing. Whether the offer exists or is someone else's
gets the same answer, so a forged id reveals nothing.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.authz import private_only, requires
from bot.context import BotContext
from bot.i18n import N_
from bot.services import advisors, offers
from bot.services.offers import OfferOutcome, OfferResult, OfferTiming
from handlers import cascade, offer_messages, reassign_notices
from handlers.callback_data import OFFER, Pressed, data, parse, pattern
from handlers.notify import Outbox, me
from handlers.offer_messages import Ending
from handlers.offer_texts import DECLINE_REASONS
from models import KickoffRequest, Offer, OfferStatus, Role, utcnow

NOT_AVAILABLE = N_("This offer is not available.")
DECIDED = {
    OfferStatus.ACCEPTED: N_("You have already accepted this offer."),
    OfferStatus.ASSIGNED: N_("This request has been assigned to you."),
    OfferStatus.DECLINED: N_("You have already declined this offer."),
    OfferStatus.EXPIRED: N_("The time to answer this offer has passed; it went to someone else."),
    OfferStatus.WITHDRAWN: N_("This offer was withdrawn."),
    OfferStatus.RETURNED: N_("You gave this request back."),
}
EXPIRED_BY_HAND = N_("The time to answer this offer has passed; it went back to the coordination team.")


def _timing(context: BotContext) -> OfferTiming:
    """The offer deadlines from the settings."""
    return OfferTiming.from_settings(context.settings)


def _decided(offer: Offer) -> str:
    """Why an offer can no longer be answered (an expired hand offer went back, not on)."""
    if offer.status == OfferStatus.EXPIRED and offer.offered_by_user_id is not None:
        return EXPIRED_BY_HAND
    return DECIDED.get(OfferStatus(offer.status), NOT_AVAILABLE)


def _refuse(context: BotContext, result: OfferResult) -> None:
    """Explain why a press changed nothing (the same words for unknown and foreign offers)."""
    _ = context.gettext
    if result.kind == OfferOutcome.ALREADY_DECIDED and result.offer is not None:
        status = OfferStatus(result.offer.status)
        context.answer(_(_decided(result.offer)), alert=True)
        if status in (OfferStatus.EXPIRED, OfferStatus.WITHDRAWN, OfferStatus.DECLINED):
            context.edit(_(_decided(result.offer)))
    elif result.kind == OfferOutcome.REQUEST_CLOSED:
        text = _("This request is no longer looking for an advisor.")
        context.answer(text, alert=True)
        context.edit(text)
    else:
        context.answer(_(NOT_AVAILABLE), alert=True)


async def _view(context: BotContext, offer_id: int) -> None:
    """Show a pending offer again (from /assignments or after "back")."""
    offer = await context.db.get(Offer, offer_id)
    advisor = await advisors.by_user(context.db, context.user.id)
    if offer is None or advisor is None or offer.advisor_id != advisor.id:
        context.answer(context.gettext(NOT_AVAILABLE), alert=True)
        return
    if offer.status != OfferStatus.PENDING:
        _refuse(context, OfferResult(OfferOutcome.ALREADY_DECIDED, offer))
        return
    request = await context.db.get(KickoffRequest, offer.request_id)
    assert request is not None
    context.answer()
    context.edit(*cascade.offer_message(me(context), offer, request))


async def _accept(context: BotContext, offer_id: int, pressed_in: int | None) -> None:
    """Accept the offer for the advisor and tell those concerned."""
    result = await offers.accept(context.db, offer_id, context.user.id, utcnow(), _timing(context))
    out = Outbox.of(context)
    if result.kind == OfferOutcome.ACCEPTED and result.request is not None and result.offer is not None:
        context.answer(context.gettext("Accepted. Thank you!"))
        r = me(context)
        context.edit(*cascade.held_message(r, result.request, cascade.accepted_heading(r, result.request)))
        # The offer's other message (offer or reminder) must not look open any more.
        await offer_messages.end(
            out, result.offer, result.request, Ending.ACCEPTED, keep_message_id=pressed_in
        )
        await cascade.announce(out, result)
        # A reassigned request may bring a confirmed date that waits for its new advisor.
        await reassign_notices.ask_takeover(out, result.request)
        return
    if result.kind == OfferOutcome.TOO_LATE:
        text = context.gettext(_decided(result.offer) if result.offer else DECIDED[OfferStatus.EXPIRED])
        context.answer(text, alert=True)
        context.edit(text)
        if result.offer is not None and result.request is not None:
            await offer_messages.end(
                out, result.offer, result.request, Ending.EXPIRED, keep_message_id=pressed_in
            )
        await cascade.announce(out, result.next)
        return
    _refuse(context, result)


async def _ask_reason(context: BotContext, offer_id: int) -> None:
    """Decline's first step: which reason (changes nothing yet)."""
    offer = await context.db.get(Offer, offer_id)
    advisor = await advisors.by_user(context.db, context.user.id)
    if offer is None or advisor is None or offer.advisor_id != advisor.id:
        context.answer(context.gettext(NOT_AVAILABLE), alert=True)
        return
    if offer.status != OfferStatus.PENDING:
        _refuse(context, OfferResult(OfferOutcome.ALREADY_DECIDED, offer))
        return
    _ = context.gettext
    rows = [
        [InlineKeyboardButton(_(label), callback_data=data(OFFER, "r", offer.id, code))]
        for code, label in DECLINE_REASONS.items()
    ]
    rows.append([InlineKeyboardButton(_("↩️ Back to the offer"), callback_data=data(OFFER, "v", offer.id))])
    context.answer()
    context.edit(
        _("Why are you declining? The coordination team uses this to improve matching."),
        InlineKeyboardMarkup(rows),
    )


async def _decline(context: BotContext, offer_id: int, reason: str, pressed_in: int | None) -> None:
    """Decline the offer with the chosen reason and pass the request on."""
    if reason not in DECLINE_REASONS:
        context.answer(context.gettext("This button is no longer valid."), alert=True)
        return
    result = await offers.decline(context.db, offer_id, context.user.id, reason, utcnow(), _timing(context))
    if result.kind != OfferOutcome.DECLINED or result.request is None:
        _refuse(context, result)
        return
    _ = context.gettext
    context.answer(_("Declined."))
    context.edit(
        _("You declined the request {reference} ({reason}). Thank you for answering quickly.").format(
            reference=html.escape(result.request.reference), reason=html.escape(_(DECLINE_REASONS[reason]))
        )
    )
    out = Outbox.of(context)
    if result.offer is not None:
        await offer_messages.end(
            out, result.offer, result.request, Ending.DECLINED, keep_message_id=pressed_in
        )
    await cascade.announce(out, result.next)


@requires(Role.ADVISOR)
@private_only()
async def offer_button(update: Update, context: BotContext) -> None:
    """Every offer button: view, accept, decline (ask the reason), decline with a reason."""
    assert update.callback_query is not None
    pressed: Pressed | None = parse(update.callback_query.data, OFFER)
    offer_id = pressed.id(0) if pressed else None
    if pressed is None or offer_id is None:
        context.answer(context.gettext("This button is no longer valid."), alert=True)
        return
    message = update.callback_query.message
    pressed_in = message.message_id if message is not None else None
    if pressed.action == "v":
        await _view(context, offer_id)
    elif pressed.action == "a":
        await _accept(context, offer_id, pressed_in)
    elif pressed.action == "d":
        await _ask_reason(context, offer_id)
    elif pressed.action == "r":
        await _decline(context, offer_id, pressed.arg(1), pressed_in)
    else:
        context.answer(context.gettext("This button is no longer valid."), alert=True)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [CallbackQueryHandler(offer_button, pattern=pattern(OFFER))]
