"""/start: greet by role, a short privacy notice and the main menu; /hilfe and /help.

Both say that questions can simply be typed. /start also offers to continue an open intake draft
(its "▶️ Continue" is the intake's own button, so it continues exactly as the intake does).
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.commands import command
from bot.context import BotContext
from bot.services import intake
from bot.services.intake_answers import TOTAL_STEPS, step_number
from handlers.intake import callbacks, drafts
from handlers.intake.common import is_private
from handlers.menus import HELP, command_list, contact_line, main_menu, type_a_question
from models import IntakeDraft, IntakeStep, Role


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


def continue_button(context: BotContext, draft: IntakeDraft) -> InlineKeyboardButton:
    """The button that continues the open draft where it stands (short: Telegram shows one line)."""
    _ = context.gettext
    number = step_number(IntakeStep(draft.step))
    if number is None:
        label = _("▶️ Check and send your draft")
    else:
        label = _("▶️ Continue at step {number} of {total}").format(number=number, total=TOTAL_STEPS)
    return InlineKeyboardButton(label, callback_data=callbacks.data(callbacks.GENERAL, drafts.CONTINUE))


async def start(update: Update, context: BotContext) -> None:
    """Greet the user by role, show the privacy notice and what they can do, an open draft first."""
    draft = await intake.get_draft(context.db, context.user.id) if is_private(update) else None
    parts = [_greeting(context)]
    if draft is not None:
        parts.append(drafts.where(context, draft))
    parts += [
        _privacy_notice(context),
        type_a_question(context),
        context.gettext("What would you like to do?"),
    ]
    markup = main_menu(context)
    if draft is not None:
        markup = InlineKeyboardMarkup([[continue_button(context, draft)], *markup.inline_keyboard])
    context.reply("\n\n".join(parts), markup)


def help_text(context: BotContext) -> str:
    """The help message: typed questions, the commands (own role's first), and a way out of Telegram."""
    _ = context.gettext
    return "\n\n".join(
        [
            _("<b>How we can help</b>"),
            type_a_question(context),
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
