"""The answer to a message the bot cannot read (sticker, photo, voice and the like).

Its own module because both the last-resort fallback and the broadcast wizard (which takes photos
when it asked for one) give this answer, and the fallback sits above the wizard.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from handlers import intake
from handlers.menus import main_menu


async def unsupported_message(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice and the like: say politely that only text works here."""
    if await intake.handle_other_message(update, context):
        return
    context.reply(
        context.gettext(
            "We can only read text messages. Please write your message as text or use the buttons."
        ),
        main_menu(context),
    )
