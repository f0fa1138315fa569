"""What the asker sees: the answer, "not sure", the offer to start a request, and the buttons' data.

Callback data is ``faq:<action>:<question id>[:<entry id>]`` – ids only (an entry id is a public
content slug), at most 64 bytes. Buttons that act on what the message shows carry the entry shown,
so a press on an outdated message is recognised instead of acting on something else.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import BotContext
from bot.services.knowledge import (
    AnswerResult,
    Entry,
    placeholder_values,
    render_answer,
    source_links_html,
)
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
    return InlineKeyboardButton(label, callback_data=data(action, question_id, entry_id))


def ask_a_person_button(context: BotContext, question: Question) -> InlineKeyboardButton:
    """The handover button; its label is the one the knowledge base's own answers name."""
    return _button(context.gettext("Ask a person"), HANDOVER, question.id)


def answer_view(
    context: BotContext, question: Question, result: AnswerResult, entry: Entry
) -> tuple[str, InlineKeyboardMarkup]:
    """``entry`` as the answer: title, text, sources and "Stand", with the answer's buttons."""
    _ = context.gettext
    values = placeholder_values(context.settings)
    sources = context.ngettext("Source: {links}", "Sources: {links}", len(entry.sources))
    text = "\n\n".join(
        [
            f"<b>{html.escape(entry.text(context.locale).title)}</b>",
            render_answer(entry, context.locale, values).strip(),
            "\n".join(
                [
                    sources.format(links=source_links_html(entry, values)),
                    _("As of: {date}").format(date=entry.as_of.format(context.locale)),
                ]
            ),
        ]
    )
    chosen = question.feedback if question.feedback_entry_id == entry.id else None
    helpful, not_helpful = _("👍 Helpful"), _("👎 Not helpful")
    if chosen == Feedback.HELPFUL:
        helpful += " ✓"
    elif chosen == Feedback.NOT_HELPFUL:
        not_helpful += " ✓"
    rows = []
    if result.after(entry.id) is not None:
        rows.append([_button(_("🔄 Another answer"), MORE, question.id, entry.id)])
    rows.append(
        [
            _button(helpful, HELPFUL, question.id, entry.id),
            _button(not_helpful, NOT_HELPFUL, question.id, entry.id),
        ]
    )
    rows.append([ask_a_person_button(context, question)])
    return text, InlineKeyboardMarkup(rows)


def not_sure_view(
    context: BotContext, question: Question, result: AnswerResult
) -> tuple[str, InlineKeyboardMarkup]:
    """Say plainly that the bot is not sure; offer the closest entries and the handover."""
    _ = context.gettext
    suggestions = result.suggestions()
    parts = [_("🤔 I am not sure I can answer that correctly.")]
    if suggestions:
        parts.append(_("These topics come closest – tap one to read it:"))
    else:
        parts.append(_("I have nothing on this in my knowledge base yet."))
    parts.append(_("A person from the coordination team can answer your question here in the chat."))
    rows = [
        [_button(m.entry.text(context.locale).title, ENTRY, question.id, m.entry.id)] for m in suggestions
    ]
    rows.append([ask_a_person_button(context, question)])
    return "\n\n".join(parts), InlineKeyboardMarkup(rows)


def intake_offer_view(context: BotContext, question: Question) -> tuple[str, InlineKeyboardMarkup]:
    """The message sounds like a wish for a kickoff talk: offer the intake (and the answer instead)."""
    _ = context.gettext
    text = "\n\n".join(
        [
            _("It sounds as if you would like to request a kickoff talk with an advisor."),
            _("I can take your request right here, step by step."),
        ]
    )
    rows = [
        [InlineKeyboardButton(_("📝 Request a kickoff talk"), callback_data=REQUEST)],
        [_button(_("💬 No, I have a question"), SHOW_ANSWER, question.id)],
    ]
    return text, InlineKeyboardMarkup(rows)


def question_view(
    context: BotContext, question: Question, result: AnswerResult, entry: Entry | None
) -> tuple[str, InlineKeyboardMarkup]:
    """The answer when an entry is shown, else "not sure"."""
    if entry is None:
        return not_sure_view(context, question, result)
    return answer_view(context, question, result, entry)
