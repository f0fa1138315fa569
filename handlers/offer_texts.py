"""The texts of an offer and of a held request as their advisor sees them, with their buttons."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_
from handlers import reasons, request_view
from handlers.callback_data import BOOK, OFFER, data
from handlers.notify import Reader
from models import KickoffRequest, Offer

# Why an advisor declines an offer (the code is stored with the offer).
DECLINE_REASONS = {
    "time": N_("No time at the moment"),
    "language": N_("The languages do not fit"),
    "region": N_("Too far away"),
    "topic": N_("The topics do not fit"),
    "other": N_("Another reason"),
}

# Why an advisor gives back a request they accepted (the code is stored with the offer).
GIVE_BACK_REASONS = {
    "time": N_("I no longer have the time"),
    "absent": N_("Illness or a longer absence"),
    "fit": N_("The request does not fit me after all"),
    "contact": N_("I cannot reach the contact"),
    "other": N_("Another reason"),
}


def offer_message(
    r: Reader, offer: Offer, request: KickoffRequest, heading: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The offer as its advisor sees it: what it is about, why them, until when; accept or decline."""
    if heading is not None:
        head = heading
    elif offer.offered_by_user_id is not None:
        head = r._("📨 <b>The coordination team offers you {reference}</b>").format(
            reference=html.escape(request.reference)
        )
    else:
        head = r._("📨 <b>New request {reference}</b>").format(reference=html.escape(request.reference))
    why = reasons.own_reasons(r, offer.ranking or [], offer.advisor_id)
    parts = [head]
    if offer.offered_by_user_id is not None:
        parts.append(
            r._("The coordination team chose you for this request and asks whether you can take it on.")
        )
    parts.append(request_view.facts(r, request))
    if why:
        parts.append(r._("<b>Why you:</b> {reasons}").format(reasons=why))
    parts.append(
        r._("Please answer by {deadline}. The contact's details are shown once you accept.").format(
            deadline=r.when(offer.respond_by)
        )
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(r._("✅ Accept"), callback_data=data(OFFER, "a", offer.id)),
                InlineKeyboardButton(r._("✖️ Decline"), callback_data=data(OFFER, "d", offer.id)),
            ]
        ]
    )
    return "\n\n".join(parts), markup


def held_message(
    r: Reader, request: KickoffRequest, heading: str, *, propose: bool = True
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A request the reader holds: everything, the contact's details included, and the next step."""
    parts = [heading, request_view.facts(r, request), request_view.contact(r, request)]
    if not propose:
        return "\n\n".join(parts), None
    parts.append(r._("Next: propose a date for the kickoff talk; the contact confirms it here in the chat."))
    button = InlineKeyboardButton(r._("📅 Propose a date"), callback_data=data(BOOK, "p", request.id))
    return "\n\n".join(parts), InlineKeyboardMarkup([[button]])


def accepted_heading(r: Reader, request: KickoffRequest) -> str:
    """The heading of the message an advisor gets after accepting."""
    return r._("✅ <b>You accepted {reference}.</b> Thank you!").format(
        reference=html.escape(request.reference)
    )
