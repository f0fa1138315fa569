"""Texts and keyboards of /wissen and /knowledge: the list of the team's answers, one answer, the prompts.

Everything is worded for a :class:`Reader` (the coordinator's language). Questions and answers are
typed text: escaped and shortened so a screen always fits one Telegram message.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import i18n
from bot.i18n import N_
from bot.services import knowledge_curated_text as rules
from bot.services import knowledge_curation as curation
from bot.services.knowledge_curation import Change, Outcome
from bot.services.knowledge_model import LANGUAGES, AsOf, Precision
from bot.telegram_text import TEXT_LIMIT, fit_html, shown
from handlers.callback_data import data
from handlers.notify import Reader
from models import AuditAction, CoordinatorAction, CuratedEntry, CuratedStatus

PREFIX = "kn"
LIST, VIEW, ADD_QUESTIONS, SET_QUESTIONS, ANSWER, RETIRE, LIVE = "l", "v", "qa", "qr", "a", "r", "o"
PAGE_SIZE = 8
QUESTIONS_SHOWN = 8
QUESTION_SHOWN = 100  # characters of a question on the answer's screen
ANSWER_SHOWN = 900  # … of an answer
TITLE_IN_BUTTON = 45
STATUS_WORDS = {
    CuratedStatus.LIVE: N_("🟢 live"),
    CuratedStatus.RETIRED: N_("⏸ retired"),
}
EDIT_WORDS = {
    "questions_added": N_("questions added ({language})"),
    "questions_replaced": N_("questions replaced ({language})"),
    "answer": N_("answer written ({language})"),
}
ACTION_WORDS = {
    AuditAction.KNOWLEDGE_CREATE.value: N_("made public"),
    AuditAction.KNOWLEDGE_RETIRE.value: N_("retired"),
    AuditAction.KNOWLEDGE_REACTIVATE.value: N_("made live again"),
}
PROBLEMS = {
    Outcome.GONE: N_("This answer no longer exists."),
    Outcome.NO_SIDE: N_("This answer has no text in that language yet: add the answer first."),
    Outcome.EMPTY: N_("Nothing to save was found in your message. Please send it again."),
    Outcome.TOO_MANY: N_(
        "That would make {found} questions; an answer can have at most {limit} per language."
    ),
    Outcome.TOO_LONG: N_(
        "That is too long: {found} characters, at most {limit} are possible. Please shorten it."
    ),
    Outcome.UNCHANGED: N_("Nothing changed: it already reads like that."),
}


def problem(r: Reader, change: Change) -> str:
    """Why a change was not made, in words."""
    text = r._(PROBLEMS.get(change.kind, PROBLEMS[Outcome.GONE]))
    return "⚠️ " + text.format(found=change.found, limit=change.limit)


def _status(r: Reader, entry: CuratedEntry) -> str:
    """The entry's status in words."""
    return r._(STATUS_WORDS.get(CuratedStatus(entry.status), STATUS_WORDS[CuratedStatus.LIVE]))


def back_to_entry(r: Reader, entry_id: int) -> InlineKeyboardButton:
    """The button back to the answer's screen (it also drops an open prompt)."""
    return InlineKeyboardButton(r._("⬅️ Back to the answer"), callback_data=data(PREFIX, VIEW, entry_id))


def list_screen(
    r: Reader, entries: Sequence[CuratedEntry], counts: Mapping[str, int], page: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The team's answers, newest first, a button each, and paging."""
    live, retired = counts.get(CuratedStatus.LIVE, 0), counts.get(CuratedStatus.RETIRED, 0)
    parts = [r._("📚 <b>Answers from our team</b>")]
    if live + retired == 0:
        parts.append(
            r._(
                "There are none yet. After you have answered a question passed on to the team, "
                "press “📚 Make this a public answer” so that the chat answers everyone who asks alike."
            )
        )
        return "\n\n".join(parts), InlineKeyboardMarkup([])
    parts.append(r._("Live: {live} · retired: {retired}").format(live=live, retired=retired))
    parts.append(r._("The chat answers from the live ones at once. Open one to change or retire it."))
    rows = []
    for entry in entries:
        sides = curation.sides(entry)
        name = rules.title(curation.side_questions(entry, sides[0])) if sides else "…"
        mark = "🟢" if entry.status == CuratedStatus.LIVE else "⏸"
        label = f"{mark} {rules.key(entry.id)} · {rules.shortened(name, TITLE_IN_BUTTON)}"
        rows.append([InlineKeyboardButton(label, callback_data=data(PREFIX, VIEW, entry.id))])
    paging = []
    if page > 0:
        paging.append(InlineKeyboardButton(r._("◀️ Newer"), callback_data=data(PREFIX, LIST, page - 1)))
    if (page + 1) * PAGE_SIZE < live + retired:
        paging.append(InlineKeyboardButton(r._("Older ▶️"), callback_data=data(PREFIX, LIST, page + 1)))
    if paging:
        rows.append(paging)
    return "\n\n".join(parts), InlineKeyboardMarkup(rows)


def _side_lines(r: Reader, entry: CuratedEntry, language: str) -> list[str]:
    """One language's questions and answer (or that there is none)."""
    name = i18n.language_name(language, r.locale)
    if language not in curation.sides(entry):
        return [
            r._("<b>{language}</b>: no answer yet – askers get the other language.").format(language=name)
        ]
    own = list((entry.questions or {}).get(language) or [])
    lines = [f"<b>{html.escape(name)}</b>", r._("Questions:")]
    if not own:
        lines.append(r._("none of its own yet – found by the other language's questions"))
    lines += [f"• {shown(q, QUESTION_SHOWN)}" for q in own[:QUESTIONS_SHOWN]]
    if len(own) > QUESTIONS_SHOWN:
        lines.append(r._("… and {count} more").format(count=len(own) - QUESTIONS_SHOWN))
    lines += [r._("Answer:"), f"<i>{shown(entry.answers[language], ANSWER_SHOWN)}</i>"]
    return lines


def history_line(r: Reader, action: CoordinatorAction, name: str) -> str:
    """One recorded change: when, who, what."""
    details = action.details or {}
    if action.action == AuditAction.KNOWLEDGE_EDIT.value:
        words = EDIT_WORDS.get(str(details.get("change")), EDIT_WORDS["answer"])
        what = r._(words).format(language=i18n.language_name(str(details.get("language", "")), r.locale))
    else:
        what = r._(ACTION_WORDS.get(action.action, N_("changed")))
    when = i18n.format_datetime(action.created_at, r.locale, r.tz, "short")
    return f"• {when} · {html.escape(name)}: {what}"


def entry_screen(
    r: Reader, entry: CuratedEntry, history: Sequence[str], notice: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """One answer: status, "Stand", source, each language's questions and answer, the last changes,
    and the buttons to change it."""
    head = [r._("📚 <b>Answer {id}</b> · {status}").format(id=rules.key(entry.id), status=_status(r, entry))]
    as_of = AsOf(entry.as_of, Precision.DAY).format(r.locale)  # as the askers see it
    head.append(
        r._("As of: {date} · source: {source}").format(date=as_of, source=html.escape(rules.SOURCE_TITLE))
    )
    if entry.status == CuratedStatus.RETIRED:
        head.append(r._("The chat no longer answers from it."))
    if entry.question_id is not None:
        head.append(r._("Made from question #{number}.").format(number=entry.question_id))
    parts = [notice] if notice else []
    parts.append("\n".join(head))
    parts += ["\n".join(_side_lines(r, entry, language)) for language in LANGUAGES]
    if history:
        parts.append("\n".join([r._("Last changes:"), *history]))
    return fit_html("\n\n".join(parts), TEXT_LIMIT), _entry_markup(r, entry)


def _entry_markup(r: Reader, entry: CuratedEntry) -> InlineKeyboardMarkup:
    """Per language: add or replace questions, rewrite the answer (or add the language); retire or
    make live again; back to the list."""
    rows = []
    for language in LANGUAGES:
        code = language.upper()
        if language in curation.sides(entry):
            rows.append(
                [
                    InlineKeyboardButton(
                        r._("➕ Questions {code}").format(code=code),
                        callback_data=data(PREFIX, ADD_QUESTIONS, entry.id, language),
                    ),
                    InlineKeyboardButton(
                        r._("✏️ Questions {code}").format(code=code),
                        callback_data=data(PREFIX, SET_QUESTIONS, entry.id, language),
                    ),
                    InlineKeyboardButton(
                        r._("✏️ Answer {code}").format(code=code),
                        callback_data=data(PREFIX, ANSWER, entry.id, language),
                    ),
                ]
            )
        else:
            name = i18n.language_name(language, r.locale)
            label = r._("➕ Add the answer in {language}").format(language=name)
            rows.append([InlineKeyboardButton(label, callback_data=data(PREFIX, ANSWER, entry.id, language))])
    if entry.status == CuratedStatus.LIVE:
        rows.append([InlineKeyboardButton(r._("⏸ Retire"), callback_data=data(PREFIX, RETIRE, entry.id))])
    else:
        rows.append(
            [InlineKeyboardButton(r._("🟢 Make live again"), callback_data=data(PREFIX, LIVE, entry.id))]
        )
    rows.append([InlineKeyboardButton(r._("📚 All answers"), callback_data=data(PREFIX, LIST, 0))])
    return InlineKeyboardMarkup(rows)


def _pre(lines: Sequence[str]) -> str:
    """Texts in a block that a tap copies, to edit and send back."""
    return "<pre>" + html.escape("\n".join(lines)) + "</pre>"


def prompt(r: Reader, entry: CuratedEntry, kind: str, language: str) -> tuple[str, InlineKeyboardMarkup]:
    """What to send for adding or replacing questions, or for the answer in ``language``."""
    names = {"language": html.escape(i18n.language_name(language, r.locale)), "id": rules.key(entry.id)}
    own = list((entry.questions or {}).get(language) or [])
    if kind == ADD_QUESTIONS:
        parts = [
            r._("➕ <b>New questions ({language}) for answer {id}</b>").format(**names),
            r._("Send other ways of asking this, one per line."),
        ]
        if own:
            parts += [r._("They are added to these:"), _pre(own)]
    elif kind == SET_QUESTIONS:
        parts = [
            r._("✏️ <b>Questions ({language}) of answer {id}</b>").format(**names),
            r._(
                "Send all the ways of asking this, one per line; they replace the current ones. "
                "Tap the block to copy it, change it and send it back:"
            ),
            _pre(own or curation.side_questions(entry, language)),
        ]
    elif language in curation.sides(entry):
        parts = [
            r._("✏️ <b>Answer ({language}) of answer {id}</b>").format(**names),
            r._(
                "Send the new answer as your next message; it is shown exactly as you write it and its date "
                "becomes today. It replaces:"
            ),
            _pre([entry.answers[language]]),
        ]
    else:
        parts = [
            r._("➕ <b>Answer in {language} for answer {id}</b>").format(**names),
            r._(
                "Send the answer in {language} as your next message; it is shown exactly as you write it."
            ).format(**names),
        ]
    return fit_html("\n\n".join(parts), TEXT_LIMIT), InlineKeyboardMarkup([[back_to_entry(r, entry.id)]])
