"""Questions in free text: the knowledge base's answer, "did you mean", feedback, "another answer",
handover to a person; and a short reply to small talk.

Free text outside an active intake (and outside a coordinator's pending reply) reaches
:func:`answer_question` through the fallback. Every question is stored (small talk is not a
question); the asker's buttons act on their own stored question only (checked by the database,
whatever the button says). Answers about the asker's own request are built in
:mod:`handlers.faq_personal`; the coordinators' side lives in :mod:`handlers.faq_coordination`.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.commands import command
from bot.context import BotContext
from bot.services import knowledge_live, questions, small_talk
from bot.services.intent import Intent
from handlers import faq_coordination
from handlers.faq_personal import shown_view
from handlers.faq_texts import (
    ASKER_ACTIONS,
    COORDINATOR_ACTIONS,
    ENTRY,
    FEEDBACK,
    HANDOVER,
    MORE,
    SHOW_ANSWER,
    Pressed,
    intake_offer_view,
    parse,
    small_talk_reply,
)
from handlers.menus import contact_line
from models import Feedback, Question, QuestionStatus

__all__ = ["answer_question", "handle_reply_text", "handlers"]

handle_reply_text = faq_coordination.handle_reply_text


async def answer_question(update: Update, context: BotContext) -> None:
    """Answer free text from the knowledge base (or offer the intake) and store the question; reply
    briefly to small talk without storing it."""
    message = update.effective_message
    if message is None or context.scope.user is None:
        return
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        # Answering in a group would expose the asker; and a bot that is a group's admin sees every
        # message there, so it speaks up only when addressed (a reply to it, or an @mention).
        if _addressed(update, context):
            context.reply(_group_hint(context, chat.id if chat else 0))
        return
    text = (message.text or "").strip()
    if not text:
        return
    kind = small_talk.classify(text)
    if kind is not None:
        # "Danke", "Hallo", "👍": a short reply, nothing stored, nothing for the coordinators.
        context.reply(small_talk_reply(context, kind))
        return
    locale = context.locale
    result = (await knowledge_live.knowledge_for(context.db)).answer(text, locale)
    question = await questions.record(context.db, context.user.id, text, locale, result)
    if result.intent is Intent.INTAKE:
        context.reply(*intake_offer_view(context, question))
    else:
        context.reply(
            *await shown_view(context, question, result, result.best.entry if result.best else None)
        )


def _addressed(update: Update, context: BotContext) -> bool:
    """Whether a group message is meant for the bot (a mention or a reply to it)."""
    message = update.effective_message
    if message is None:
        return False
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id:
        return True
    return f"@{context.bot.username}".lower() in (message.text or "").lower()


def _group_hint(context: BotContext, chat_id: int) -> str:
    """The hint in a group where the bot does not answer questions."""
    _ = context.gettext
    if chat_id == context.settings.coordinator_group_id:
        return _(
            "To answer a question, press its “✍️ Reply” button; you will then be asked for your answer in "
            "the private chat."
        )
    return _("We answer questions in a private chat – please write to us directly.")


async def asker_button(update: Update, context: BotContext) -> None:
    """Every button under an answer: only the asker may press them, on what the message shows now."""
    assert update.callback_query is not None
    _ = context.gettext
    pressed = parse(update.callback_query.data)
    question = await questions.get_own(context.db, pressed.question_id, context.user.id) if pressed else None
    if pressed is None:
        context.answer(_("This button is no longer valid."), alert=True)
    elif question is None:
        context.answer(_("This button is not for you."), alert=True)
    elif pressed.action == HANDOVER:
        await _hand_over(context, question)
    elif pressed.action == SHOW_ANSWER:
        context.answer()
        base = await knowledge_live.knowledge_for(context.db)
        result = base.answer(question.text, question.locale)
        entry = base.get(question.shown_entry_id or "")
        context.edit(*await shown_view(context, question, result, entry))
    elif pressed.action in (MORE, ENTRY):
        await _show_other(context, question, pressed)
    else:
        await _feedback(context, question, pressed, FEEDBACK[pressed.action])


async def _show_other(context: BotContext, question: Question, pressed: Pressed) -> None:
    """ "Another answer" (the next in the ranking) or a suggested entry, in place of what is shown."""
    _ = context.gettext
    assert pressed.entry_id is not None
    base = await knowledge_live.knowledge_for(context.db)
    result = base.answer(question.text, question.locale)
    if pressed.action == MORE:
        shown: str | None = pressed.entry_id
        following = result.after(pressed.entry_id)
        entry = following.entry if following else None
        if entry is None:
            context.answer(_("We have no other answer to this question. You can ask a person."), alert=True)
            return
    else:
        shown, entry = question.shown_entry_id, base.get(pressed.entry_id)
        if entry is None:
            context.answer(_("This button is no longer valid."), alert=True)
            return
    if not await questions.show_entry(context.db, question, shown, entry.id):
        context.answer(_("This button belongs to an earlier answer."))
        return
    await context.db.refresh(question)
    context.answer()
    context.edit(*await shown_view(context, question, result, entry))


async def _feedback(context: BotContext, question: Question, pressed: Pressed, feedback: Feedback) -> None:
    """Record whether the answer helped and say what happens next."""
    _ = context.gettext
    assert pressed.entry_id is not None
    base = await knowledge_live.knowledge_for(context.db)
    entry = base.get(pressed.entry_id)
    if entry is None or not await questions.give_feedback(context.db, question, entry.id, feedback):
        context.answer(_("This button belongs to an earlier answer."))
        return
    await context.db.refresh(question)
    if feedback is Feedback.HELPFUL:
        context.answer(_("Thank you for your feedback!"))
    else:
        context.answer(_("Thank you. A person can answer instead: press “Ask a person”."), alert=True)
    result = base.answer(question.text, question.locale)
    context.edit(*await shown_view(context, question, result, entry))


async def _hand_over(context: BotContext, question: Question) -> None:
    """Pass the question to the coordination team and tell the asker."""
    _ = context.gettext
    if not await questions.hand_over(context.db, question):
        await context.db.refresh(question)
        if question.status == QuestionStatus.ANSWERED:
            context.answer(_("The coordination team has already answered this question here in the chat."))
        else:
            context.answer(_("Your question is already with the coordination team."))
        return
    await context.db.refresh(question)
    context.answer()
    if await faq_coordination.send_handover(context, question):
        text = _(
            "✅ We have passed your question on to our coordination team. The answer will arrive here "
            "in this chat."
        )
    else:
        text = "\n\n".join(
            [
                _(
                    "✅ Your question is noted for our coordination team, but nobody from the team is "
                    "connected to this chat yet. If it is urgent, please get in touch directly."
                ),
                contact_line(context),
            ]
        )
    context.reply(text)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers; free text reaches :func:`answer_question` through the fallback."""
    return [
        CommandHandler(command("questions").names, faq_coordination.questions_command),
        CallbackQueryHandler(asker_button, pattern=f"^faq:[{ASKER_ACTIONS}]:"),
        CallbackQueryHandler(faq_coordination.coordinator_button, pattern=f"^faq:[{COORDINATOR_ACTIONS}]:"),
    ]
