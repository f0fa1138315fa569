"""/datenschutz and /privacy: the data protection notice."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.commands import command
from bot.context import BotContext
from handlers.menus import PRIVACY, contact_line, main_menu


def privacy_text(context: BotContext) -> str:
    """The short Art. 13 notice with the privacy statement's link and a contact outside Telegram."""
    _ = context.gettext
    url = html.escape(context.settings.privacy_url, quote=True)
    return "\n\n".join(
        [
            _("<b>Privacy</b>"),
            _("Who: the MiGlobe Baden-Württemberg programme team processes your data to run this bot."),
            _(
                "What and why: your Telegram name, id and language, and what you send me, to "
                "answer your questions and to arrange kickoff talks. A request is stored only after "
                "you agree to it."
            ),
            _(
                "Programme news: only if you agree; you can switch them off at any time with /{command}."
            ).format(command=command("news").name(context.locale)),
            _(
                "How long: messages to the bot are deleted after {days} days; requests some time "
                "after they are closed, as the privacy statement says."
            ).format(days=context.settings.inbox_retention_days),
            _(
                "Your rights: access, correction, deletion, restriction, objection and complaint "
                "to a supervisory authority."
            ),
            _('Full privacy statement: <a href="{url}">{url}</a>').format(url=url),
            contact_line(context),
        ]
    )


async def show_privacy(update: Update, context: BotContext) -> None:
    """Answer /datenschutz and /privacy."""
    context.reply(privacy_text(context), main_menu(context))


async def privacy_button(update: Update, context: BotContext) -> None:
    """The Privacy button: show the notice in place of the menu message."""
    context.answer()
    context.edit(privacy_text(context), main_menu(context))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("privacy").names, show_privacy),
        CallbackQueryHandler(privacy_button, pattern=f"^{PRIVACY}$"),
    ]
