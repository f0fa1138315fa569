"""What the people of a request closed by the coordination team are told, in their own language."""

from __future__ import annotations

import html

from bot.i18n import N_
from handlers.notify import Outbox
from models import KickoffRequest

# The advisor who held it (an untranslated msgid with ``{reference}``, see handlers.withdrawal).
CLOSED_FOR_HOLDER = N_("ℹ️ The coordination team closed the request {reference}. Nothing more to do for it.")


async def tell_contact(out: Outbox, request: KickoffRequest) -> None:
    """The contact learns that the coordination team closed their request, and whom to write to."""
    r = await out.reader(request.contact_user_id)
    if r is None:
        return
    out.send(
        r,
        r._(
            "ℹ️ The coordination team has closed your request {reference}. If you have questions, "
            "write to us: {email}."
        ).format(reference=html.escape(request.reference), email=html.escape(out.settings.contact_email)),
    )
