"""Texts about questions for people other than the one acting: coordinators (or their group), the asker.

Each is written in its reader's language (``locale``), whoever's update caused it. Questions and
answers are user text: always escaped, and shortened so every message fits Telegram's limit.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import i18n
from bot.commands import command
from bot.i18n import N_
from bot.services.knowledge import Entry
from bot.telegram_text import TEXT_LIMIT, shown, split_escaped, visible_length
from handlers.faq_texts import DRAFT, REPLY, data
from models import Question

PREVIEW = 300  # characters of a question quoted in a notification
LIST_PREVIEW = 150  # … in the /fragen list


def translator(locale: str) -> Callable[[str], str]:
    """``_`` for a reader of ``locale``."""
    return lambda message: i18n.translate(locale, message)


def preview(text: str, limit: int = PREVIEW) -> str:
    """User text on one line, HTML-escaped, at most ``limit`` characters as Telegram counts them
    (with "…")."""
    return shown(" ".join(text.split()), limit)


def chunks(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """``text`` escaped and cut into messages of at most ``limit`` visible characters (never inside an
    entity)."""
    return split_escaped(text, limit)


def reply_markup(locale: str, question: Question) -> InlineKeyboardMarkup:
    """The coordinator's "Reply" button for a question."""
    label = translator(locale)(N_("✍️ Reply"))
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data(REPLY, question.id))]])


def answered(locale: str, question: Question) -> tuple[str, InlineKeyboardMarkup]:
    """The confirmation that the answer was sent, with the one button that makes it a public answer
    (the ``faq:d`` action): the question as asked and the answer, from then on for everyone."""
    _ = translator(locale)
    text = "\n\n".join(
        [
            _("✅ Your answer to question #{number} has been sent.").format(number=question.id),
            _(
                "Will others ask this too? Then make it a public answer: from now on the chat answers this "
                "question, and questions like it, with your answer (as of today, source: our programme "
                "team). The question as asked: <i>{question}</i>"
            ).format(question=preview(question.text)),
            _(
                "You can add other ways of asking, the answer in another language, or retire "
                "it in /{command}."
            ).format(command=command("knowledge").name(locale)),
        ]
    )
    label = _("📚 Make this a public answer")
    return text, InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data(DRAFT, question.id))]])


def handover(
    locale: str, tz: ZoneInfo, question: Question, municipality: str | None, shown: Entry | None
) -> str:
    """A passed-on question for the coordinators: who asks (municipality, language), what, when."""
    _ = translator(locale)
    place = html.escape(municipality) if municipality else _("not known (no request yet)")
    lines = [
        _("🙋 <b>Question #{number} for the coordination team</b>").format(number=question.id),
        _("Municipality: {place}").format(place=place),
        _("Language: {language}").format(language=i18n.language_name(question.locale, locale)),
        _("Asked: {when}").format(when=i18n.format_datetime(question.created_at, locale, tz, "short")),
        "",
        f"<i>{preview(question.text, 2000)}</i>",
    ]
    if shown is not None:
        title = html.escape(shown.text(locale).title)
        if question.shown_entry_id == shown.id:
            lines += ["", _("Answer shown in the chat: {title}").format(title=title)]
        else:
            lines += ["", _("Closest answer in the chat (not sure): {title}").format(title=title)]
    return "\n".join(lines)


def reply_prompt(locale: str, question: Question) -> str:
    """What the coordinator who pressed "reply" is asked to do."""
    _ = translator(locale)
    cancel = command("cancel").name(locale)
    return "\n\n".join(
        [
            _("✍️ <b>Your answer to question #{number}</b>").format(number=question.id),
            f"<i>{preview(question.text, 2000)}</i>",
            _(
                "Write your answer as your next message. It is sent to the asker exactly as you write it. "
                "They read {language}."
            ).format(language=i18n.language_name(question.locale, locale)),
            _("/{cancel}: do not answer now").format(cancel=cancel),
        ]
    )


def relay(locale: str, question: Question, answer: str) -> list[str]:
    """The coordinator's answer for the asker, with a short header; split when it is very long."""
    _ = translator(locale)
    header = "\n".join(
        [
            _("💬 <b>Answer from the MiGlobe coordination team</b>"),
            _("Your question: <i>{question}</i>").format(question=preview(question.text)),
        ]
    )
    whole = header + "\n\n" + html.escape(answer)
    if visible_length(whole) <= TEXT_LIMIT:
        return [whole]
    return [header, *chunks(answer)]


def open_list(
    locale: str, tz: ZoneInfo, entries: list[tuple[Question, str | None, str | None]], total: int
) -> str:
    """The /fragen list: each open question with its place, language, time and who is writing."""
    _ = translator(locale)
    if not entries:
        return _("There are no open questions. 👍")
    parts = [_("<b>Open questions: {count}</b>").format(count=total)]
    for question, place, writer in entries:
        when = i18n.format_datetime(question.handed_over_at or question.created_at, locale, tz, "short")
        head = " · ".join(
            [
                f"<b>#{question.id}</b>",
                when,
                html.escape(place) if place else _("municipality not known"),
                i18n.language_name(question.locale, locale),
            ]
        )
        lines = [head, f"<i>{preview(question.text, LIST_PREVIEW)}</i>"]
        if writer:
            lines.append(_("✍️ {name} is writing the answer").format(name=html.escape(writer)))
        parts.append("\n".join(lines))
    if total > len(entries):
        parts.append(_("Showing the oldest {shown} of {total}.").format(shown=len(entries), total=total))
    return "\n\n".join(parts)
