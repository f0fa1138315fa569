"""Last resort: unknown commands, messages the bot cannot read, free text, stale buttons.

Registered after every other handler, so it only sees what nothing else took. PTB's filters cannot
ask the database, so while a user has an intake in progress these hand over to the intake first.
"""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from handlers import awaiting, faq, intake
from handlers.menus import command_list, main_menu
from handlers.unsupported import unsupported_message

MAX_ECHOED_COMMAND = 40


async def unknown_command(update: Update, context: BotContext) -> None:
    """Say the command is unknown and list the ones that exist."""
    if await intake.handle_unknown_command(update, context):
        return
    assert update.effective_message is not None
    word = (update.effective_message.text or "").split()[0][:MAX_ECHOED_COMMAND]
    _ = context.gettext
    text = "\n\n".join(
        [
            _("Sorry, we do not know the command {command}.").format(command=html.escape(word)),
            _("These are the commands you can use here:"),
            command_list(context),
        ]
    )
    context.reply(text, main_menu(context))


async def free_text(update: Update, context: BotContext) -> None:
    """Text outside any flow: the intake's current step, a coordinator's pending answer, else a question."""
    # A text the bot asked for a moment ago by a button (outcome note, profile field) comes first:
    # such a question is open only briefly (see bot.services.chat_inputs) and is explicit.
    if await awaiting.handle_text(update, context):
        return
    if await intake.handle_text(update, context):
        return
    if await faq.handle_reply_text(update, context):
        return
    await faq.answer_question(update, context)


async def stale_button(update: Update, context: BotContext) -> None:
    """A button nothing handles any more (old message, forged data): say so, change nothing."""
    context.answer(
        context.gettext("This button is no longer active. Please send /start to begin again."),
        alert=True,
    )


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers; they must come last."""
    return [
        MessageHandler(filters.COMMAND, unknown_command),
        MessageHandler(filters.TEXT & ~filters.COMMAND, free_text),
        MessageHandler(filters.ALL & ~filters.StatusUpdate.ALL, unsupported_message),
        CallbackQueryHandler(stale_button),
    ]
