"""An answer as this asker sees it: from their own request where the entry is about it, with the
buttons that act on it; otherwise the entry's text, ending with "request a kickoff talk" where the
question shows interest in one.

The facts come from :mod:`bot.services.personal_answers`; the buttons are the existing ones of
/meineanfragen (open, withdraw) and of the kickoff date (another date, cancel), so a press runs
the same checked flow as anywhere else.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import BotContext
from bot.services import personal_answers
from bot.services.knowledge import AnswerResult, Entry
from bot.services.personal_answers import Situation, Topic
from handlers import booking_notices, status
from handlers.callback_data import BOOK, data
from handlers.faq_texts import another_answer_button, answer_view, ask_a_person_button, no_answer_view
from handlers.menus import REQUEST, STATUS
from handlers.notify import me
from models import Question, RequestStatus

# Answers to questions that show interest in a kickoff talk end with the button to request one.
INTEREST_ENTRIES = frozenset(
    {"how-to-request", "kickoff-talk", "process", "who-may-ask", "costs", "programme-today", "associations"}
)
_TALK_DONE = (RequestStatus.KICKOFF_HELD, RequestStatus.CONSULTATION)


async def shown_view(
    context: BotContext, question: Question, result: AnswerResult, entry: Entry | None
) -> tuple[str, InlineKeyboardMarkup]:
    """What the asker's message shows: ``entry`` for this asker, or "did you mean" / "not sure"."""
    if entry is None:
        return no_answer_view(context, question, result)
    topic = personal_answers.topic_of(entry.id)
    if topic is None and entry.id not in INTEREST_ENTRIES:
        return answer_view(context, question, result, entry)
    situations = await personal_answers.open_requests(context.db, context.user.id)
    if topic is Topic.CONTACT:
        return answer_view(context, question, result, entry, note=_advisors_note(context, situations))
    if topic is not None and situations:
        return _personal_view(context, question, result, entry, topic, situations)
    rows = [[_interest_button(context, bool(situations))]] if entry.id in INTEREST_ENTRIES else None
    return answer_view(context, question, result, entry, last_rows=rows)


def _interest_button(context: BotContext, has_open_request: bool) -> InlineKeyboardButton:
    """ "Request a kickoff talk"; for a contact whose request is under way, their requests instead."""
    _ = context.gettext
    if has_open_request:
        # Another request is rarely what they need then: where the one they sent stands is.
        return InlineKeyboardButton(_("📋 My requests"), callback_data=STATUS)
    return InlineKeyboardButton(_("📝 Request a kickoff talk"), callback_data=REQUEST)


def _advisors_note(context: BotContext, situations: list[Situation]) -> str | None:
    """ "Your advisor for MG-…: Mehmet" for each open request somebody advises."""
    _ = context.gettext
    lines = [
        _("Your advisor for {reference}: {name}").format(
            reference=html.escape(s.request.reference), name=_name(s)
        )
        for s in situations
        if s.advisor_first_name
    ]
    return "\n".join(lines) or None


def _name(situation: Situation) -> str:
    """The advisor's first name, escaped for HTML ("" while nobody advises)."""
    return html.escape(situation.advisor_first_name or "")


def _block(context: BotContext, situation: Situation) -> str:
    """One request: reference and place, status, advisor, date, next step."""
    _ = context.gettext
    request, when = situation.request, me(context).when
    lines = [
        f"📋 <b>{html.escape(request.reference)}</b> · {html.escape(request.place_name)}",
        _("Status: {status}").format(status=_(status.STATUS_WORDS[situation.status])),
    ]
    if situation.advisor_first_name:
        lines.append(_("Your advisor: {name}").format(name=_name(situation)))
    if situation.confirmed and situation.date:
        lines.append(_("Kickoff talk: {when}").format(when=when(situation.date)))
    elif situation.proposed and situation.date:
        lines.append(_("Proposed date: {when} (waiting for your answer)").format(when=when(situation.date)))
    elif situation.another_date_asked:
        lines.append(_("You asked for another date; a new proposal follows here in the chat."))
    lines.append(_("Next: {step}").format(step=_(status.NEXT_STEPS[situation.status])))
    return "\n".join(lines)


def _intro(context: BotContext, topic: Topic, s: Situation) -> str:
    """What the asker asked, answered for their one open request."""
    _ = context.gettext
    if topic is Topic.RESCHEDULE:
        if s.date is not None:
            return _(
                "Yes. If the date does not suit you, ask for another one with the button below – "
                "{name} will then propose a new date here in the chat."
            ).format(name=_name(s))
        if s.another_date_asked:
            return _(
                "You have already asked for another date; {name} will propose a new one here in the chat."
            ).format(name=_name(s))
        if s.status in _TALK_DONE:
            return _("Your kickoff talk has already taken place.")
        return _("No date has been agreed for your kickoff talk yet, so there is nothing to move.")
    if topic is Topic.CANCEL:
        if not s.withdrawable:
            return _(
                "Your kickoff talk has already taken place, so the request can no longer be withdrawn. "
                "If you want to end the consultation, please tell your advisor or ask a person from our "
                "coordination team."
            )
        text = _("You can withdraw your request as long as no kickoff talk has taken place.")
        if s.date is not None:
            text += " " + _(
                "If you only want to call off the date, cancel the talk instead – {name} remains "
                "your advisor."
            ).format(name=_name(s))
        return text
    if topic is Topic.ADVISOR:
        if s.advisor_first_name:
            return _("Your advisor for this request is {name}.").format(name=_name(s))
        return _(
            "No advisor has taken on your request yet. We will tell you here in the chat as soon as "
            "someone does."
        )
    if topic is Topic.RESPONSE_TIME:
        return _("This is where your request stands and what happens next:")
    return _("This is where your request stands:")


def _intro_several(context: BotContext, topic: Topic, count: int) -> str:
    """The same for several open requests, each listed after it."""
    _ = context.gettext
    if topic is Topic.RESCHEDULE:
        return _("These are your open requests. To move a date, ask for another one with its button.")
    if topic is Topic.CANCEL:
        return _(
            "You can withdraw a request as long as no kickoff talk has taken place: open it and press "
            "“Withdraw request”."
        )
    if topic is Topic.ADVISOR:
        return _("These are your open requests and who advises you:")
    return context.ngettext(
        "You have {count} open request:", "You have {count} open requests:", count
    ).format(count=count)


def _open_button(context: BotContext, s: Situation) -> InlineKeyboardButton:
    """/meineanfragen's button that opens the request."""
    label = context.gettext("🔎 Open {reference}").format(reference=s.request.reference)
    return InlineKeyboardButton(label, callback_data=data(status.PREFIX, "o", s.request.id))


def _action_rows(context: BotContext, topic: Topic, s: Situation) -> list[list[InlineKeyboardButton]]:
    """The buttons that do what the asker asked about, for their one open request."""
    _ = context.gettext
    rows: list[list[InlineKeyboardButton]] = []
    if topic is Topic.RESCHEDULE and s.talk is not None and s.date is not None:
        rows += [
            list(row)
            for row in booking_notices.contact_buttons(
                me(context), s.talk, confirmed=s.confirmed
            ).inline_keyboard
        ]
    if topic is Topic.CANCEL and s.withdrawable:
        rows.append(
            [
                InlineKeyboardButton(
                    _("↩️ Withdraw request"), callback_data=data(status.PREFIX, "w", s.request.id)
                )
            ]
        )
        if s.talk is not None and s.date is not None:
            rows.append(
                [InlineKeyboardButton(_("✖️ Cancel the talk"), callback_data=data(BOOK, "c", s.talk.id))]
            )
    rows.append([_open_button(context, s)])
    return rows


def _rows_several(
    context: BotContext, topic: Topic, situations: list[Situation]
) -> list[list[InlineKeyboardButton]]:
    """Each request's open button; when moving a date was asked, each date's "another date" too."""
    _ = context.gettext
    rows = []
    for s in situations:
        rows.append([_open_button(context, s)])
        if topic is Topic.RESCHEDULE and s.talk is not None and s.date is not None:
            label = _("🔁 Another date for {reference}").format(reference=s.request.reference)
            another = data(BOOK, "n", s.talk.id, s.talk.sequence)
            rows.append([InlineKeyboardButton(label, callback_data=another)])
    return rows


def _personal_view(
    context: BotContext,
    question: Question,
    result: AnswerResult,
    entry: Entry,
    topic: Topic,
    situations: list[Situation],
) -> tuple[str, InlineKeyboardMarkup]:
    """The answer from the asker's own open requests; it has no sources or "Stand": it is their data."""
    parts = [f"<b>{html.escape(entry.text(context.locale).title)}</b>"]
    if len(situations) == 1:
        [only] = situations
        parts += [_intro(context, topic, only), _block(context, only)]
        rows = _action_rows(context, topic, only)
    else:
        parts.append(_intro_several(context, topic, len(situations)))
        parts += [_block(context, s) for s in situations]
        rows = _rows_several(context, topic, situations)
    if result.after(entry.id) is not None:
        rows.append([another_answer_button(context, question, entry)])
    rows.append([ask_a_person_button(context, question)])
    return "\n\n".join(parts), InlineKeyboardMarkup(rows)
