"""The intake: a municipal contact requests a kickoff talk, step by step, in a private chat.

Entry by /anfrage, /request, the menu button or the deep link ``/start anfrage``. The draft in the
database is the conversation state, so free text reaches the current step through the fallback
(``handle_text``), whatever happened to the process in between.
"""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.commands import command
from bot.context import BotContext
from bot.services import intake
from handlers.intake import answers, buttons, callbacks, drafts, entry, flow, overflow
from handlers.intake.common import draft_gone, is_private, pressed_by_owner
from handlers.menus import REQUEST
from models import IntakeDraft, IntakeStep

__all__ = ["handle_other_message", "handle_text", "handle_unknown_command", "handlers"]

MAX_ECHOED_COMMAND = 40


async def request_command(update: Update, context: BotContext) -> None:
    """Answer /anfrage, /request and the deep link: consent, or continue a draft."""
    await entry.begin(update, context)


async def request_button(update: Update, context: BotContext) -> None:
    """The menu's "Request a kickoff talk" button."""
    context.answer()
    await entry.begin(update, context)


async def intake_button(update: Update, context: BotContext) -> None:
    """Every intake button: check it is the presser's own and matches the draft, then act."""
    assert update.callback_query is not None
    _ = context.gettext
    pressed = callbacks.parse(update.callback_query.data)
    if pressed is None:
        buttons.invalid(context)
    elif not pressed_by_owner(update):
        context.answer(_("This button is not for you."), alert=True)
    elif pressed.scope == callbacks.CONSENT:
        await entry.on_consent(update, context, pressed)
    elif pressed.scope == callbacks.GENERAL:
        await drafts.on_general(update, context, pressed)
    else:
        draft = await intake.get_draft(context.db, context.user.id)
        if draft is None and pressed.step is IntakeStep.SUMMARY and pressed.action == "send":
            context.answer(_("Your request has already been sent. See /status."), alert=True)
        elif draft is None:
            context.answer(draft_gone(context), alert=True)
        elif not draft.active:
            drafts.on_paused_button(context, draft)
        elif drafts.is_stale(update, draft):
            drafts.on_stale_button(context)
        elif pressed.action == overflow.REPLACE and pressed.step is not None:
            await overflow.on_replace(context, draft, pressed.step)
        elif pressed.step != draft.step:
            context.answer(_("This button belongs to an earlier question."))
            await flow.show(
                context, draft, _("This button belongs to an earlier question. Here is where you are now:")
            )
        else:
            await buttons.on_button(context, draft, pressed)


async def _active_draft(update: Update, context: BotContext) -> IntakeDraft | None:
    """The user's unfinished request in a private chat, if any."""
    if not is_private(update) or context.scope.user is None:
        return None
    draft = await intake.get_draft(context.db, context.user.id)
    return draft if draft is not None and draft.active else None


async def handle_text(update: Update, context: BotContext) -> bool:
    """Take free text as the answer to the current step; False when no intake is active."""
    draft = await _active_draft(update, context)
    if draft is None:
        return False
    if update.edited_message is not None:
        notice = context.gettext(
            "Changing a message you already sent does not change your answer. Please send the answer "
            "again, or change it in the summary at the end."
        )
        await flow.show(context, draft, "⚠️ " + notice)
        return True
    assert update.effective_message is not None
    message = update.effective_message
    await answers.on_text(context, draft, message.text or "", message.date)
    return True


async def handle_other_message(update: Update, context: BotContext) -> bool:
    """A sticker, photo, voice message, location … during the intake: explain and ask again."""
    draft = await _active_draft(update, context)
    if draft is None:
        return False
    notice = context.gettext("We can only read text here. Please answer with a text message or the buttons.")
    await flow.show(context, draft, "⚠️ " + notice)
    return True


async def handle_unknown_command(update: Update, context: BotContext) -> bool:
    """An unknown command during the intake: name it and ask the step again."""
    draft = await _active_draft(update, context)
    if draft is None:
        return False
    assert update.effective_message is not None
    word = (update.effective_message.text or "").split()[0][:MAX_ECHOED_COMMAND]
    notice = context.gettext("Sorry, we do not know the command {command}.").format(command=html.escape(word))
    await flow.show(context, draft, "⚠️ " + notice)
    return True


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers; the deep link must come before /start's own handler."""
    deep_link = filters.Regex(rf"^/start(@\w+)?\s+{entry.DEEP_LINK}\s*$")
    return [
        CommandHandler("start", request_command, filters=deep_link),
        CommandHandler(command("request").names, request_command),
        CommandHandler(command("back").names, entry.back_command),
        CommandHandler(command("later").names, drafts.pause_command),
        CommandHandler(command("cancel").names, drafts.cancel_command),
        CallbackQueryHandler(request_button, pattern=f"^{REQUEST}$"),
        CallbackQueryHandler(intake_button, pattern=f"^{callbacks.PREFIX}:"),
    ]
