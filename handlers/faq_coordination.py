"""The coordinators' side of questions: handover, "reply" and the answer relayed, /fragen, and the
button that makes an answered question a public answer (changed later in /wissen).

A coordinator who presses "reply" holds the question in the database; their next private text
message is the answer (routed from the fallback's free text, after an active intake). /abbrechen
and /cancel give the question back (through the intake's /cancel, which owns the command).
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.authz import private_only, requires
from bot.context import BotContext
from bot.i18n import N_
from bot.services import chat_inputs, questions
from bot.services import knowledge_curation as curation
from bot.services.knowledge_curation import Outcome
from bot.services.knowledge_live import knowledge_for
from bot.services.questions import Claim
from handlers import faq_staff_texts as staff
from handlers import knowledge_admin
from handlers.faq_texts import DRAFT, REPLY, data, parse
from handlers.notify import Outbox
from models import CuratedStatus, Question, QuestionStatus, Role, utcnow

LISTED = 10


def _private(update: Update) -> bool:
    """Whether the update comes from a private chat."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def send_handover(context: BotContext, question: Question) -> int:
    """Pass ``question`` to the coordinators' group if configured, else to every coordinator.

    Returns how many chats it was sent to (0: nobody can see it yet, it waits in /fragen).
    """
    place = await questions.municipality_of(context.db, question.user_id)
    # What the asker saw helps the coordinator: the answer shown, or the bot's closest guess.
    shown = (await knowledge_for(context.db)).get(question.shown_entry_id or question.entry_id or "")
    rooms = await Outbox.of(context).coordinator_rooms()
    for room in rooms:
        text = staff.handover(room.locale, room.tz, question, place, shown)
        context.send(room.chat_id, text, staff.reply_markup(room.locale, question))
    return len(rooms)


async def _name(context: BotContext, user_id: int | None) -> str:
    """The first name of a team member as the asker sees it."""
    person = await questions.user(context.db, user_id)
    return person.first_name if person is not None else context.gettext("Someone from the coordination team")


async def _reply(context: BotContext, question_id: int) -> None:
    """Ask the coordinator for their answer to the question."""
    _ = context.gettext
    me = context.user
    result = await questions.start_reply(context.db, question_id, me.id)
    question = result.question
    if result.claim is Claim.NOT_OPEN or question is None:
        context.answer(_("This question was not passed on to the coordination team."), alert=True)
    elif result.claim is Claim.ANSWERED:
        when = context.format_datetime(question.answered_at or utcnow(), "short")
        name = await _name(context, question.answered_by_id)
        context.answer(
            _("{name} already answered this question ({when}).").format(name=name, when=when), alert=True
        )
    elif result.claim is Claim.BUSY:
        when = context.format_datetime(question.reply_started_at or utcnow(), "short")
        name = await _name(context, question.replying_coordinator_id)
        text = _("{name} is already writing the answer (since {when}).").format(name=name, when=when)
        context.answer(text, alert=True)
    else:
        # The answer is now what the coordinator's next text is for: forget any earlier prompt
        # (a note, a profile field), which the fallback would otherwise serve first.
        await chat_inputs.clear(context.db, me.id)
        assert context._update is not None
        # From the group the toast points to the private chat; there, the prompt below says it all.
        context.answer(
            None if _private(context._update) else _("Please write your answer in our private chat.")
        )
        context.send(me.telegram_id, staff.reply_prompt(me.locale, question))
        previous = await questions.user(context.db, result.previous_id)
        if previous is not None:
            note = staff.translator(previous.locale)(
                N_(
                    "{name} has taken over question #{number}. "
                    "Your next message will not be sent as its answer."
                )
            )
            context.send(
                previous.telegram_id, note.format(name=html.escape(me.first_name), number=question.id)
            )


async def _publish(context: BotContext, question_id: int) -> None:
    """Make the answered question a live public answer (once), then show it with its change buttons."""
    _ = context.gettext
    now = utcnow()
    today = now.astimezone(context.settings.tz).date()
    change = await curation.create_from_question(context.db, question_id, context.user.id, today, now)
    if change.kind is Outcome.TOO_LONG:
        text = _(
            "Your answer is too long for a public answer ({found} characters, at most {limit}). "
            "It was sent to the asker all the same."
        )
        context.answer(text.format(found=change.found, limit=change.limit), alert=True)
        return
    if change.entry is None:
        text = _("Only a question answered by the coordination team can become a public answer.")
        context.answer(text, alert=True)
        return
    if change.kind is Outcome.EXISTS:
        retired = change.entry.status == CuratedStatus.RETIRED
        context.answer(
            _("This answer was made public before and is retired now; you can make it live again below.")
            if retired
            else _("This is a public answer already.")
        )
        context.reply(*await knowledge_admin.entry_view(context, change.entry))
        return
    context.answer(_("Live now."))
    notice = _(
        "✅ From the next question on, the chat answers this and similar questions with your answer. Please "
        "check the question below; add other ways of asking or the answer in another language."
    )
    context.reply(*await knowledge_admin.entry_view(context, change.entry, notice))


@requires(Role.COORDINATOR)
@private_only()
async def coordinator_button(update: Update, context: BotContext) -> None:
    """ "Reply" and "make public" on a question: coordinators only, checked by the database."""
    assert update.callback_query is not None
    pressed = parse(update.callback_query.data)
    if pressed is None:
        context.answer(context.gettext("This button is no longer valid."), alert=True)
    elif pressed.action == REPLY:
        await _reply(context, pressed.question_id)
    elif pressed.action == DRAFT:
        await _publish(context, pressed.question_id)


async def handle_reply_text(update: Update, context: BotContext) -> bool:
    """Take a coordinator's private text as the answer they were asked for; False when none is pending."""
    message = update.message  # an edited message is never an answer: it was written before "reply"
    if message is None or not _private(update) or context.scope.user is None:
        return False
    if Role.COORDINATOR not in context.user.roles:
        return False  # only a coordinator answers (nobody else is asked on every message)
    question = await questions.pending_reply(context.db, context.user.id)
    if question is None:
        return False
    _ = context.gettext
    if questions.lapsed(question):
        await questions.release_reply(context.db, context.user.id)
        text = _(
            "More than an hour has passed since you pressed “Reply”, so this message was not sent to the "
            "asker. To answer question #{number}, press “Reply” again."
        ).format(number=question.id)
        context.reply(text, staff.reply_markup(context.locale, question))
        return True
    if not await questions.record_answer(context.db, question, context.user.id, message.text or ""):
        # Another coordinator answered, or took the question over, while this message was on its way.
        if question.status == QuestionStatus.ANSWERED:
            name = await _name(context, question.answered_by_id)
            text = _("Question #{number} was answered by {name} in the meantime; your message was not sent.")
        else:
            name = await _name(context, question.replying_coordinator_id)
            text = _("{name} has taken over question #{number}; your message was not sent.")
        context.reply(text.format(number=question.id, name=html.escape(name)))
        return True
    await _relay(context, question, message.text or "")
    return True


async def _relay(context: BotContext, question: Question, answer: str) -> None:
    """Send the coordinator's answer to the asker."""
    _ = context.gettext
    asker = await questions.user(context.db, question.user_id)
    if asker is None:
        context.reply(_("The asker has deleted their data: your answer is recorded but could not be sent."))
        return
    for text in staff.relay(asker.locale, question, answer):
        context.send(asker.telegram_id, text)
    context.reply(*staff.answered(context.locale, question))
    group = context.settings.coordinator_group_id
    if group is not None:
        note = staff.translator(context.settings.default_locale)(N_("✅ {name} answered question #{number}."))
        context.send(group, note.format(name=html.escape(context.user.first_name), number=question.id))


async def cancel_pending_reply(update: Update, context: BotContext) -> bool:
    """/abbrechen, /cancel outside an intake: give the question back; False when none was pending."""
    if context.scope.user is None:
        return False
    question = await questions.pending_reply(context.db, context.user.id)
    if question is None or not await questions.release_reply(context.db, context.user.id):
        return False
    context.reply(
        context.gettext("You are no longer answering question #{number}; it stays open for the team.").format(
            number=question.id
        )
    )
    return True


@requires(Role.COORDINATOR)
@private_only()
async def questions_command(update: Update, context: BotContext) -> None:
    """Answer /fragen and /questions: the open questions, oldest first, each with a "Reply" button."""
    waiting, total = await questions.open_questions(context.db, LISTED)
    now = utcnow()
    listed = []
    for question in waiting:
        place = await questions.municipality_of(context.db, question.user_id)
        writing = question.replying_coordinator_id is not None and not questions.lapsed(question, now)
        writer = await _name(context, question.replying_coordinator_id) if writing else None
        listed.append((question, place, writer))
    text = staff.open_list(context.locale, context.settings.tz, listed, total)
    buttons = [
        InlineKeyboardButton(
            context.gettext("✍️ Reply to #{number}").format(number=q.id), callback_data=data(REPLY, q.id)
        )
        for q in waiting
    ]
    context.reply(text, InlineKeyboardMarkup([[b] for b in buttons]) if buttons else None)
