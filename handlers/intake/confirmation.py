"""The message that confirms a sent request: its reference, what was sent and what happens next."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup

from bot.context import BotContext
from bot.services.broadcast_audience import has_news_consent
from handlers import news
from handlers.intake import summary
from models import KickoffRequest


async def confirm_submitted(context: BotContext, request: KickoffRequest) -> None:
    """Replace the summary by the confirmation (its buttons go, so it cannot be sent twice); a
    contact who does not receive programme news yet is offered them with one button."""
    _ = context.gettext
    head = [
        _("✅ <b>Thank you! Your request {reference} has been sent.</b>").format(
            reference=html.escape(request.reference)
        )
    ]
    tail = [
        _(
            "What happens next: we look for an advisor who fits the languages you chose and your "
            "region. You will hear from us here in this chat."
        ),
        _("You can see where your request stands at any time with /status."),
    ]
    offer = None
    if not await has_news_consent(context.db, context.user.id):
        offer = InlineKeyboardMarkup([[news.subscribe_button(context, from_confirmation=True)]])
    context.edit(summary.render(context, summary.fields_of_request(request), head, tail), offer)
