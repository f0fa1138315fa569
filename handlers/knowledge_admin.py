"""/wissen and /knowledge: the answers coordinators made in the chat – list, open, change, retire.

An answer is made from an answered question with one button (:mod:`handlers.faq_coordination`);
here coordinators add or replace the ways of asking per language, rewrite an answer or add the
other language, retire an answer and make it live again. The rules and the audit are
:mod:`bot.services.knowledge_curation`; the bot answers from a change with the next question
(:mod:`bot.services.knowledge_live`). A change that needs text asks for it with a ``chat_inputs``
row, which :mod:`handlers.awaiting` hands to :func:`on_text`. Coordinators only, private chat only.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.authz import InGroup, private_only, requires
from bot.commands import command
from bot.context import BotContext
from bot.i18n import N_
from bot.services import chat_inputs, questions
from bot.services import knowledge_curation as curation
from bot.services.knowledge_curation import Change, Outcome
from bot.services.knowledge_model import LANGUAGES
from handlers import knowledge_admin_texts as texts
from handlers.callback_data import Pressed, parse
from handlers.knowledge_admin_texts import (
    ADD_QUESTIONS,
    ANSWER,
    LIST,
    LIVE,
    PREFIX,
    RETIRE,
    SET_QUESTIONS,
    VIEW,
)
from handlers.notify import me
from models import ChatInput, CuratedEntry, CuratedStatus, Role, utcnow

QUESTIONS_INPUT = "kn_questions"
ANSWER_INPUT = "kn_answer"
# The chat_inputs kinds whose typed answers handlers.awaiting hands to ``on_text``.
KINDS: tuple[str, ...] = (QUESTIONS_INPUT, ANSWER_INPUT)
HISTORY_SHOWN = 3
# Problems after which the same text is asked for again (the prompt stays open).
ASK_AGAIN = frozenset({Outcome.EMPTY, Outcome.TOO_LONG, Outcome.TOO_MANY})
SAVED = N_("✅ Saved. The chat answers with it from the next question on.")
SAVED_RETIRED = N_("✅ Saved. The answer is retired: make it live again to use it.")


async def entry_view(
    context: BotContext, entry: CuratedEntry, notice: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The screen of one answer with its last recorded changes (also shown right after making it)."""
    r = me(context)
    history = []
    for action in await curation.history(context.db, entry.id, HISTORY_SHOWN):
        person = await questions.user(context.db, action.actor_user_id)
        name = person.first_name if person is not None else r._("someone no longer in the team")
        history.append(texts.history_line(r, action, name))
    return texts.entry_screen(r, entry, history, notice)


async def _list_view(context: BotContext, page: int) -> tuple[str, InlineKeyboardMarkup]:
    """A page of the list."""
    entries = await curation.page(context.db, page * texts.PAGE_SIZE, texts.PAGE_SIZE)
    counts = await curation.counts(context.db)
    return texts.list_screen(me(context), entries, counts, page)


async def _forget_prompts(context: BotContext) -> None:
    """Drop an open prompt of this screen (another button was pressed, or /wissen typed again)."""
    for kind in KINDS:
        await chat_inputs.clear(context.db, context.user.id, kind)


@requires(Role.COORDINATOR)
@private_only(InGroup.REFUSE)
async def knowledge_command(update: Update, context: BotContext) -> None:
    """Answer /wissen and /knowledge: the team's answers, newest first."""
    await _forget_prompts(context)
    context.reply(*await _list_view(context, 0))


async def _ask(context: BotContext, pressed: Pressed, entry: CuratedEntry) -> None:
    """Ask for the questions or the answer a button stands for."""
    language = pressed.arg(1)
    if language not in LANGUAGES:
        context.answer(context.gettext("This button is no longer valid."), alert=True)
        return
    if pressed.action != ANSWER and language not in curation.sides(entry):
        context.answer(texts.problem(me(context), Change(Outcome.NO_SIDE)), alert=True)
        return
    kind = ANSWER_INPUT if pressed.action == ANSWER else QUESTIONS_INPUT
    await chat_inputs.expect(
        context.db, context.user.id, kind, utcnow(), entry.id, {"language": language, "mode": pressed.action}
    )
    context.answer()
    context.edit(*texts.prompt(me(context), entry, pressed.action, language))


async def _set_live(context: BotContext, entry: CuratedEntry, live: bool) -> None:
    """Retire the answer or make it live again; show it."""
    _ = context.gettext
    change = await curation.set_live(context.db, entry.id, live, context.user.id, utcnow())
    if change.kind is Outcome.GONE or change.entry is None:
        context.answer(_("This answer no longer exists."), alert=True)
        return
    if change.kind is Outcome.UNCHANGED:
        context.answer(_("It is like that already."))
    else:
        context.answer(_("Retired.") if not live else _("Live again."))
    notice = (
        _("🟢 Live again: the chat answers from it from the next question on.")
        if live
        else _("⏸ Retired: the chat no longer answers from it. You can make it live again at any time.")
    )
    context.edit(*await entry_view(context, change.entry, notice))


@requires(Role.COORDINATOR)
@private_only(InGroup.REFUSE)
async def knowledge_button(update: Update, context: BotContext) -> None:
    """The list's pages, an answer's screen, its changes, retiring and making live again."""
    assert update.callback_query is not None
    pressed = parse(update.callback_query.data, PREFIX)
    action = pressed.action if pressed is not None else ""
    if action not in (ADD_QUESTIONS, SET_QUESTIONS, ANSWER):
        await _forget_prompts(context)
    if pressed is None or action not in (LIST, VIEW, ADD_QUESTIONS, SET_QUESTIONS, ANSWER, RETIRE, LIVE):
        context.answer(context.gettext("This button is no longer valid."), alert=True)
        return
    if action == LIST:
        context.answer()
        context.edit(*await _list_view(context, min(pressed.id(0) or 0, 10_000)))
        return
    entry = await curation.get(context.db, pressed.id(0) or 0)
    if entry is None:
        context.answer(context.gettext("This answer no longer exists."), alert=True)
    elif action == VIEW:
        context.answer()
        context.edit(*await entry_view(context, entry))
    elif action in (RETIRE, LIVE):
        await _set_live(context, entry, action == LIVE)
    else:
        await _ask(context, pressed, entry)


async def on_text(context: BotContext, row: ChatInput, text: str) -> None:
    """The typed questions or answer after a change button: save them and show the answer."""
    if not context.user.has_role(Role.COORDINATOR):
        await chat_inputs.clear(context.db, context.user.id)
        context.reply(context.gettext("This is only available to coordinators."))
        return
    if not await chat_inputs.take(context.db, row):
        return
    r, now = me(context), utcnow()
    language, mode = str(row.data.get("language", "")), str(row.data.get("mode", ""))
    entry_id = row.target_id or 0
    if row.kind == ANSWER_INPUT:
        today = now.astimezone(context.settings.tz).date()
        change = await curation.set_answer(context.db, entry_id, language, text, context.user.id, today, now)
    else:
        replace = mode == SET_QUESTIONS
        change = await curation.set_questions(
            context.db, entry_id, language, text, context.user.id, now, replace=replace
        )
    entry = change.entry
    if entry is None:
        context.reply(texts.problem(r, change))
    elif change.kind is Outcome.DONE:
        saved = SAVED if entry.status == CuratedStatus.LIVE else SAVED_RETIRED
        context.reply(*await entry_view(context, entry, r._(saved)))
    elif change.kind in ASK_AGAIN:
        kind, wanted = row.kind, dict(row.data)
        context.db.expunge(row)  # taken (deleted) above: the same question is asked anew
        await chat_inputs.expect(context.db, context.user.id, kind, now, entry.id, wanted)
        prompt, markup = texts.prompt(r, entry, mode, language)
        context.reply(texts.problem(r, change) + "\n\n" + prompt, markup)
    else:
        context.reply(*await entry_view(context, entry, texts.problem(r, change)))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("knowledge").names, knowledge_command),
        CallbackQueryHandler(knowledge_button, pattern=f"^{PREFIX}:"),
    ]
