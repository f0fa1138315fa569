"""What the asker sees: the answer, "did you mean", "not sure", the intake offer, and the buttons' data.

Callback data is ``faq:<action>:<question id>[:<entry id>]`` – ids only (an entry id is a public
content slug), at most 64 bytes. Buttons that act on what the message shows carry the entry shown,
so a press on an outdated message is recognised instead of acting on something else.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.commands import command
from bot.context import BotContext
from bot.services.knowledge import (
    AnswerResult,
    Entry,
    Match,
    Outcome,
    placeholder_values,
    render_answer,
    source_links_html,
)
from bot.services.small_talk import Kind
from handlers.menus import REQUEST
from models import Feedback, Question

PREFIX = "faq"
MORE, HELPFUL, NOT_HELPFUL, ENTRY = "m", "y", "n", "e"
HANDOVER, SHOW_ANSWER = "h", "a"
REPLY, DRAFT = "r", "d"
WITH_ENTRY = frozenset({MORE, HELPFUL, NOT_HELPFUL, ENTRY})
ASKER_ACTIONS = "mynhea"
COORDINATOR_ACTIONS = "rd"
_DATA = re.compile(r"^faq:([a-z]):(\d{1,12})(?::([a-z0-9-]{1,40}))?$")
FEEDBACK = {HELPFUL: Feedback.HELPFUL, NOT_HELPFUL: Feedback.NOT_HELPFUL}


@dataclass(frozen=True)
class Pressed:
    """A parsed ``faq:`` button."""

    action: str
    question_id: int
    entry_id: str | None = None


def data(action: str, question_id: int, entry_id: str | None = None) -> str:
    """The callback data of a button."""
    return f"{PREFIX}:{action}:{question_id}" + (f":{entry_id}" if entry_id else "")


def parse(value: str | None) -> Pressed | None:
    """The button's meaning, or None for anything malformed (forged, or from an older version)."""
    match = _DATA.match(value or "")
    if match is None or match.group(1) not in ASKER_ACTIONS + COORDINATOR_ACTIONS:
        return None
    action, question_id, entry_id = match.group(1), int(match.group(2)), match.group(3)
    if (action in WITH_ENTRY) != (entry_id is not None):
        return None
    return Pressed(action, question_id, entry_id)


def _button(label: str, action: str, question_id: int, entry_id: str | None = None) -> InlineKeyboardButton:
    """A button on an answer or a handed-over question."""
    return InlineKeyboardButton(label, callback_data=data(action, question_id, entry_id))


def ask_a_person_button(context: BotContext, question: Question) -> InlineKeyboardButton:
    """The handover button; its label is the one the knowledge base's own answers name."""
    return _button(context.gettext("Ask a person"), HANDOVER, question.id)


def answer_view(
    context: BotContext,
    question: Question,
    result: AnswerResult,
    entry: Entry,
    *,
    note: str | None = None,
    last_rows: list[list[InlineKeyboardButton]] | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """``entry`` as the answer: title, text, sources and "Stand", with the answer's buttons.

    ``note`` (HTML) is a paragraph about the asker after the answer; ``last_rows`` end the keyboard.
    """
    _ = context.gettext
    values = placeholder_values(context.settings)
    sources = context.ngettext("Source: {links}", "Sources: {links}", len(entry.sources))
    parts = [
        f"<b>{html.escape(entry.text(context.locale).title)}</b>",
        render_answer(entry, context.locale, values).strip(),
    ]
    if note:
        parts.append(note)
    parts.append(
        "\n".join(
            [
                sources.format(links=source_links_html(entry, values)),
                _("As of: {date}").format(date=entry.as_of.format(context.locale)),
            ]
        )
    )
    chosen = question.feedback if question.feedback_entry_id == entry.id else None
    helpful, not_helpful = _("👍 Helpful"), _("👎 Not helpful")
    if chosen == Feedback.HELPFUL:
        helpful += " ✓"
    elif chosen == Feedback.NOT_HELPFUL:
        not_helpful += " ✓"
    rows = []
    if result.after(entry.id) is not None:
        rows.append([another_answer_button(context, question, entry)])
    rows.append(
        [
            _button(helpful, HELPFUL, question.id, entry.id),
            _button(not_helpful, NOT_HELPFUL, question.id, entry.id),
        ]
    )
    rows.append([ask_a_person_button(context, question)])
    rows.extend(last_rows or [])
    return "\n\n".join(parts), InlineKeyboardMarkup(rows)


def another_answer_button(context: BotContext, question: Question, entry: Entry) -> InlineKeyboardButton:
    """ "Another answer": the next entry in the ranking in place of ``entry``."""
    return _button(context.gettext("🔄 Another answer"), MORE, question.id, entry.id)


def _entry_rows(
    context: BotContext, question: Question, matches: tuple[Match, ...]
) -> list[list[InlineKeyboardButton]]:
    """One button per entry, by its title; pressing it shows the entry as the answer."""
    return [[_button(m.entry.text(context.locale).title, ENTRY, question.id, m.entry.id)] for m in matches]


def clarify_view(
    context: BotContext, question: Question, result: AnswerResult
) -> tuple[str, InlineKeyboardMarkup]:
    """Close entries but no clear winner: ask which one was meant, each a button, and offer a person."""
    choices = result.clarifications()
    # Buttons show a title's first words only; the whole titles stand here.
    titles = "\n".join(f"• {html.escape(m.entry.text(context.locale).title)}" for m in choices)
    text = "\n\n".join(
        [
            context.ngettext(
                "🤔 Did you mean this topic?", "🤔 Did you mean one of these topics?", len(choices)
            ),
            titles,
            context.gettext(
                "Tap it to read our answer – or ask a person from our coordination team.",
            )
            if len(choices) == 1
            else context.gettext(
                "Tap the one that fits to read our answer – or ask a person from our coordination team."
            ),
        ]
    )
    rows = _entry_rows(context, question, choices)
    rows.append([ask_a_person_button(context, question)])
    return text, InlineKeyboardMarkup(rows)


def decline_view(context: BotContext, question: Question) -> tuple[str, InlineKeyboardMarkup]:
    """Nothing fits: say so honestly and offer a person.

    No entries are offered: below the "did you mean" level they share a word or two with the
    question at most, and a list of unrelated topics reads as a wrong answer.
    """
    _ = context.gettext
    text = "\n\n".join(
        [
            _(
                "🤔 We have no answer to that yet. Here we answer questions about MiGlobe: what we offer, "
                "the advice for municipalities, requests and dates."
            ),
            _(
                "If your question is about this, a person from our coordination team will gladly answer "
                "it here in the chat."
            ),
        ]
    )
    return text, InlineKeyboardMarkup([[ask_a_person_button(context, question)]])


def intake_offer_view(context: BotContext, question: Question) -> tuple[str, InlineKeyboardMarkup]:
    """The message sounds like a wish for a kickoff talk: offer the intake (and the answer instead)."""
    _ = context.gettext
    text = "\n\n".join(
        [
            _("It sounds as if you would like to request a kickoff talk with an advisor."),
            _("We can take your request right here, step by step."),
        ]
    )
    rows = [
        [InlineKeyboardButton(_("📝 Request a kickoff talk"), callback_data=REQUEST)],
        [_button(_("💬 No, I have a question"), SHOW_ANSWER, question.id)],
    ]
    return text, InlineKeyboardMarkup(rows)


def no_answer_view(
    context: BotContext, question: Question, result: AnswerResult
) -> tuple[str, InlineKeyboardMarkup]:
    """What the asker sees when no entry is shown: "did you mean" (close entries) or "not sure"."""
    if result.outcome is Outcome.CLARIFY and result.clarifications():
        return clarify_view(context, question, result)
    return decline_view(context, question)


def small_talk_reply(context: BotContext, kind: Kind) -> str:
    """A short, friendly reply to small talk ("Danke", "Hallo", "👍"): no buttons, no handover."""
    _ = context.gettext
    if kind is Kind.THANKS:
        return _("You're welcome! If you have another question, just write it here.")
    if kind is Kind.GREETING:
        return _(
            "Hello! 👋 Just write your question about MiGlobe here in the chat. To request a kickoff talk "
            "with an advisor, send /{command}."
        ).format(command=command("request").name(context.locale))
    if kind is Kind.GOODBYE:
        return _("Goodbye! You can write to us here at any time.")
    if kind is Kind.ACKNOWLEDGEMENT:
        return _("Fine! If anything else comes up, just write your question here.")
    return _("😊 If you have a question, just write it here.")
