"""/sprache and /language: choose the language the bot speaks with you."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import commands
from bot.config import SUPPORTED_LOCALES
from bot.context import BotContext
from bot.i18n import native_language_name
from bot.services import users
from handlers.menus import LANGUAGE, main_menu

CHOOSE_PREFIX = "lang:"


def _chooser(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    """The language choice with the current one marked."""
    current = context.locale
    buttons = [
        InlineKeyboardButton(
            ("✓ " if locale == current else "") + native_language_name(locale),
            callback_data=f"{CHOOSE_PREFIX}{locale}",
        )
        for locale in SUPPORTED_LOCALES
    ]
    return context.gettext("Which language would you like?"), InlineKeyboardMarkup([buttons])


async def ask_language(update: Update, context: BotContext) -> None:
    """Answer /sprache and /language with the choice of languages."""
    context.reply(*_chooser(context))


async def language_button(update: Update, context: BotContext) -> None:
    """The Language button: show the choice in place of the menu."""
    context.answer()
    context.edit(*_chooser(context))


async def choose_language(update: Update, context: BotContext) -> None:
    """Store the chosen language and confirm in it."""
    assert update.callback_query is not None
    locale = (update.callback_query.data or "").removeprefix(CHOOSE_PREFIX)
    if locale not in SUPPORTED_LOCALES:
        context.answer(context.gettext("This button is no longer valid."))
        return
    await users.set_locale(context.user, locale)
    context.set_locale(locale)
    # Telegram picks the menu by the app's language; a chat menu of its own makes it follow the bot's.
    commands.enqueue_menu(context.db, context.user)
    context.answer(context.gettext("Language changed."))
    text = context.gettext("From now on we write to you in {language}.").format(
        language=native_language_name(locale)
    )
    context.edit(text, main_menu(context))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(commands.command("language").names, ask_language),
        CallbackQueryHandler(language_button, pattern=f"^{LANGUAGE}$"),
        CallbackQueryHandler(choose_language, pattern=f"^{CHOOSE_PREFIX}"),
    ]
