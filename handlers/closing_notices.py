"""What the people of a request closed by the coordination team are told, in their own language.

The contact reads why, worded for them from the reason the coordinator chose, and what they can do
next: send a new request (a button that starts it) or ask us here in the chat. A reason the
coordinator typed is internal (the typing prompt says so): the contact gets the general sentence,
never the coordinator's own words.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_
from handlers.menus import REQUEST
from handlers.notify import Outbox, Reader
from models import KickoffRequest

# The advisor who held it (an untranslated msgid with ``{reference}``, see handlers.withdrawal).
CLOSED_FOR_HOLDER = N_("ℹ️ The coordination team closed the request {reference}. Nothing more to do for it.")

# The closing reasons of the coordinators' menu (handlers.coordinator_request_views.CLOSE_REASONS),
# each as the contact reads it.
FOR_CONTACT = {
    "done": N_("We have marked it as completed. Thank you for working with us!"),
    "contact": N_("As we understood, your municipality no longer needs the kickoff talk."),
    "duplicate": N_("It duplicates another request, which we continue to handle."),
    "unreachable": N_("Unfortunately, we could not reach you to arrange the kickoff talk."),
    "noadvisor": N_(
        "Unfortunately, no suitable advisor is available for it at the moment, for example for the "
        "languages or the time you asked for."
    ),
}
# A typed reason, or none: the coordinator's words stay internal.
OTHER_REASON = N_("If you would like to know more about the reason, just ask us.")


def contact_notice(
    r: Reader, reference: str, code: str | None, email: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The contact's notice of the closing: what happened, why (from the reason ``code``; None for
    a typed reason) and what they can do now, with the button that starts a new request."""
    why = FOR_CONTACT.get(code or "", OTHER_REASON)
    lines = [
        r._("ℹ️ The coordination team has closed your request {reference}.").format(
            reference=html.escape(reference)
        ),
        r._(why),
        "",
        r._("<b>What you can do now:</b>"),
        "• "
        + r._(
            "Send a new request at any time, for example with other languages or for a later time: "
            "use the button below."
        ),
        "• "
        + r._("Questions? Simply write them here in this chat, or email us at {email}.").format(
            email=html.escape(email)
        ),
    ]
    again = InlineKeyboardButton(r._("📝 Send a new request"), callback_data=REQUEST)
    return "\n".join(lines), InlineKeyboardMarkup([[again]])


async def tell_contact(out: Outbox, request: KickoffRequest, code: str | None = None) -> None:
    """The contact learns that the coordination team closed their request, why, and what next."""
    r = await out.reader(request.contact_user_id)
    if r is None:
        return
    out.send(r, *contact_notice(r, request.reference, code, out.settings.contact_email))
