"""/datenschutz and /privacy: the data protection notice."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.commands import command
from bot.context import BotContext
from handlers.menus import PRIVACY, contact_line, main_menu
from handlers.own_data import MY_DATA, PRIVACY_PREFIX


def message_retention_lines(context: BotContext) -> list[str]:
    """How long the messages a person sends and receives are kept (both periods from the settings)."""
    ngettext, settings = context.ngettext, context.settings
    inbox, sent = settings.inbox_retention_days, settings.outbox_retention_days
    return [
        ngettext(
            "What you send us is kept only until it is handled; its time and status are deleted "
            "after {count} day.",
            "What you send us is kept only until it is handled; its time and status are deleted "
            "after {count} days.",
            inbox,
        ).format(count=inbox),
        ngettext(
            "The content of messages we send you is deleted once they are delivered; their time and status "
            "after {count} day.",
            "The content of messages we send you is deleted once they are delivered; their time and status "
            "after {count} days.",
            sent,
        ).format(count=sent),
    ]


def retention_lines(context: BotContext) -> list[str]:
    """Every storage period, each from the configuration, in short lines."""
    ngettext, settings = context.ngettext, context.settings
    draft, request = settings.draft_retention_days, settings.request_retention_days
    question = settings.question_retention_days
    lines = [
        *message_retention_lines(context),
        ngettext(
            "An unfinished request is deleted after {count} day without activity.",
            "An unfinished request is deleted after {count} days without activity.",
            draft,
        ).format(count=draft),
        ngettext(
            "A request is anonymised {count} day after it ends (closed, withdrawn or cancelled): "
            "only anonymous figures remain for the statistics.",
            "A request is anonymised {count} days after it ends (closed, withdrawn or cancelled): "
            "only anonymous figures remain for the statistics.",
            request,
        ).format(count=request),
        ngettext(
            "Questions you ask are deleted after {count} day, unless our team still has to answer them.",
            "Questions you ask are deleted after {count} days, unless our team still has to answer them.",
            question,
        ).format(count=question),
        # Chat-made public answers (handlers.knowledge_admin) keep the wording the team reviewed.
        context.gettext(
            "If our team turns a question into a public answer for everyone, its wording is kept as the "
            "team reviewed it, without any link to you."
        ),
    ]
    return ["• " + line for line in lines]


def privacy_text(context: BotContext) -> str:
    """The short Art. 13 notice with every storage period, the own-data commands, the privacy
    statement's link and a contact outside Telegram."""
    _ = context.gettext
    url = html.escape(context.settings.privacy_url, quote=True)
    mydata, delete = command("mydata").name(context.locale), command("delete").name(context.locale)
    return "\n\n".join(
        [
            _("<b>Privacy</b>"),
            _("Who: the MiGlobe Baden-Württemberg programme team processes your data to run this chat."),
            _(
                "What and why: your Telegram name, id and language, and what you send us, to answer your "
                "questions and to arrange kickoff talks. A request is stored only after you agree to it."
            ),
            _(
                "Programme news: only if you agree; you can switch them off at any time with /{command}."
            ).format(command=command("news").name(context.locale)),
            "\n".join([_("<b>How long</b>"), *retention_lines(context)]),
            "\n".join(
                [
                    _("/{command}: everything stored about you, as a file.").format(command=mydata),
                    _("/{command}: delete all of it; this also withdraws your consent.").format(
                        command=delete
                    ),
                ]
            ),
            _(
                "Your rights: access, correction, deletion, restriction, objection and complaint "
                "to a supervisory authority."
            ),
            _('Full privacy statement: <a href="{url}">{url}</a>').format(url=url),
            contact_line(context),
        ]
    )


def privacy_markup(context: BotContext) -> InlineKeyboardMarkup:
    """My data, withdraw consent and delete, then the main menu."""
    _ = context.gettext
    own = [
        [InlineKeyboardButton(_("🗂 My data"), callback_data=MY_DATA)],
        [InlineKeyboardButton(_("Withdraw consent and delete data"), callback_data=f"{PRIVACY_PREFIX}:w")],
    ]
    return InlineKeyboardMarkup([*own, *main_menu(context).inline_keyboard])


async def show_privacy(update: Update, context: BotContext) -> None:
    """Answer /datenschutz and /privacy."""
    context.reply(privacy_text(context), privacy_markup(context))


async def privacy_button(update: Update, context: BotContext) -> None:
    """The Privacy button: show the notice in place of the menu message."""
    context.answer()
    context.edit(privacy_text(context), privacy_markup(context))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("privacy").names, show_privacy),
        CallbackQueryHandler(privacy_button, pattern=f"^{PRIVACY}$"),
    ]
