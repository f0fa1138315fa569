"""/start: greet by role, a short privacy notice and the main menu; /hilfe and /help."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.commands import command
from bot.context import BotContext
from handlers.menus import HELP, command_list, contact_line, main_menu
from models import Role


def _greeting(context: BotContext) -> str:
    _ = context.gettext
    name = html.escape(context.user.first_name or "")
    lines = [_("Hello {name}!").format(name=name) if name else _("Hello!")]
    lines.append(
        _(
            "Welcome to the chat of <b>MiGlobe Baden-Württemberg</b>. In our programme, migrant advisors "
            "help municipalities open their development-policy work interculturally, free of charge."
        )
    )
    roles = context.user.roles
    if Role.COORDINATOR in roles:
        lines.append(_("You are registered as a <b>coordinator</b>."))
    if Role.ADVISOR in roles:
        lines.append(_("You are registered as an <b>advisor</b>."))
    return "\n\n".join(lines)


def _privacy_notice(context: BotContext) -> str:
    return context.gettext(
        "🔒 We store your Telegram name, your language and what you send us, only to answer you and handle "
        'your requests. Details: <a href="{url}">privacy statement</a> or /privacy.'
    ).format(url=html.escape(context.settings.privacy_url, quote=True))


async def start(update: Update, context: BotContext) -> None:
    """Greet the user by role, show the privacy notice and what they can do."""
    text = "\n\n".join(
        [
            _greeting(context),
            _privacy_notice(context),
            context.gettext("What would you like to do?"),
        ]
    )
    context.reply(text, main_menu(context))


def help_text(context: BotContext) -> str:
    """The help message: what the bot does, the commands, and a way out of Telegram."""
    _ = context.gettext
    return "\n\n".join(
        [
            _("<b>How we can help</b>"),
            _("Use the buttons or these commands:"),
            command_list(context),
            contact_line(context),
        ]
    )


async def show_help(update: Update, context: BotContext) -> None:
    """Answer /hilfe and /help."""
    context.reply(help_text(context), main_menu(context))


async def help_button(update: Update, context: BotContext) -> None:
    """The Help button: show the help in place of the menu message."""
    context.answer()
    context.edit(help_text(context), main_menu(context))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they must be tried."""
    return [
        CommandHandler(command("start").names, start),
        CommandHandler(command("help").names, show_help),
        CallbackQueryHandler(help_button, pattern=f"^{HELP}$"),
    ]
