"""The message that confirms a sent request: its reference, what was sent and what happens next."""

from __future__ import annotations

import html
import math

from babel.numbers import format_decimal
from telegram import InlineKeyboardMarkup

from bot.context import BotContext
from bot.services.broadcast_audience import has_news_consent
from bot.services.reply_time import usual_working_days_for
from handlers import news
from handlers.intake import summary
from models import KickoffRequest


def expectation(context: BotContext) -> str:
    """The time frame after sending, from the offer deadline (see :mod:`bot.services.reply_time`)."""
    days = usual_working_days_for(context.settings)
    hours = context.settings.offer_response_hours
    return " ".join(
        [
            context.ngettext(
                "Usually we get back to you within {count} working day.",
                "Usually we get back to you within {count} working days.",
                days,
            ).format(count=days),
            context.ngettext(
                "We ask suitable advisors one after another; each has up to {count} hour to answer.",
                "We ask suitable advisors one after another; each has up to {count} hours to answer.",
                math.ceil(hours),
            ).format(count=format_decimal(math.ceil(hours), locale=context.locale)),
        ]
    )


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
        expectation(context),
        _("You can see where your request stands at any time with /status."),
    ]
    offer = None
    if not await has_news_consent(context.db, context.user.id):
        offer = InlineKeyboardMarkup([[news.subscribe_button(context, from_confirmation=True)]])
    context.edit(summary.render(context, summary.fields_of_request(request), head, tail), offer)
