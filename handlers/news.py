"""/neuigkeiten and /news: whether someone receives the programme's news, switched with one button.

Programme news are broadcasts to contacts (bot/services/broadcast_audience.py picks only those who
agreed). The consent is stored with its time and the version of the text shown here; switching off
deletes it. A button carries the state it switches to, not "toggle", so a double tap or an old
message never flips the choice back.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.commands import command
from bot.context import BotContext
from bot.runtime import outbox
from bot.services.broadcast_audience import has_news_consent, set_news_consent
from handlers.callback_data import NEWS, data, parse, pattern
from models import utcnow

# The version of the explanation below that a consent refers to; change it when the text changes.
NOTICE_VERSION = "2026-11"
ON, OFF = "on", "off"
FROM_CONFIRMATION = "c"  # the button under the intake's "request sent" message


def subscribe_button(context: BotContext, *, from_confirmation: bool = False) -> InlineKeyboardButton:
    """The button that switches programme news on (also offered after a request is sent)."""
    args = (FROM_CONFIRMATION,) if from_confirmation else ()
    return InlineKeyboardButton(
        context.gettext("📰 Receive programme news"), callback_data=data(NEWS, ON, *args)
    )


def news_screen(context: BotContext, agreed: bool) -> tuple[str, InlineKeyboardMarkup]:
    """What programme news are, whether this user receives them, and the button to switch."""
    _ = context.gettext
    state = _("✅ You receive programme news.") if agreed else _("🔕 You do not receive programme news.")
    text = "\n\n".join(
        [
            _("📰 <b>Programme news</b>"),
            _(
                "Now and then the MiGlobe coordination team sends news about the programme, "
                "for example events and new offers. You receive them only if you agree, and you "
                "can stop them at any time with /{command}."
            ).format(command=command("news").name(context.locale)),
            state,
        ]
    )
    button = (
        InlineKeyboardButton(_("🔕 Stop programme news"), callback_data=data(NEWS, OFF))
        if agreed
        else subscribe_button(context)
    )
    return text, InlineKeyboardMarkup([[button]])


async def show_news(update: Update, context: BotContext) -> None:
    """Answer /neuigkeiten and /news with the current choice and the button to change it."""
    context.reply(*news_screen(context, await has_news_consent(context.db, context.user.id)))


def _drop_button(update: Update, context: BotContext) -> None:
    """Remove the news button from the request confirmation (the confirmation itself stays)."""
    message = update.callback_query.message if update.callback_query else None
    if message is not None:
        outbox.enqueue(
            context.db,
            message.chat.id,
            "editMessageReplyMarkup",
            {"message_id": message.message_id},
            inbox_id=context.scope.inbox_id,
        )


async def news_button(update: Update, context: BotContext) -> None:
    """Switch programme news on or off and show the new state in place of the old one."""
    assert update.callback_query is not None
    _ = context.gettext
    pressed = parse(update.callback_query.data, NEWS)
    origin = "|".join(pressed.args) if pressed else ""
    if pressed is None or pressed.action not in (ON, OFF) or origin not in ("", FROM_CONFIRMATION):
        context.answer(_("This button is no longer valid."), alert=True)
        return
    agreed = pressed.action == ON
    version = NOTICE_VERSION if agreed else None
    changed = await set_news_consent(context.db, context.user.id, agreed, utcnow(), version)
    if not changed:
        # A double tap or an old message: the choice already stands; editing would change nothing.
        context.answer(
            _("You already receive programme news.") if agreed else _("Programme news are already off.")
        )
        return
    context.answer(_("Programme news switched on.") if agreed else _("Programme news switched off."))
    if origin == FROM_CONFIRMATION:
        # The confirmation keeps its text (the request's reference); the choice gets its own message.
        _drop_button(update, context)
        context.reply(*news_screen(context, agreed))
    else:
        context.edit(*news_screen(context, agreed))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("news").names, show_news),
        CallbackQueryHandler(news_button, pattern=pattern(NEWS)),
    ]
