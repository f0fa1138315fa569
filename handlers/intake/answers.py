"""Typed answers, step by step: validate, store and go on, or explain and ask again."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from datetime import datetime

from telegram import InlineKeyboardButton

from bot.context import BotContext
from bot.i18n import N_
from bot.regions import LANDKREIS, Candidate, Gemeinde, Kreis, search
from bot.regions.search import SCORE_SHORT_FORM
from bot.services import languages
from bot.services.intake_answers import copied, is_answered, place_answer
from bot.services.validation import (
    TOPIC_OTHER_MAX,
    Invalid,
    Problem,
    clean_email,
    clean_goals,
    clean_name,
    clean_phone,
    clean_role,
    clean_search,
    clean_topic_other,
    display_phone,
)
from handlers.intake import callbacks, flow, overflow
from handlers.intake.common import preview
from handlers.menus import contact_line
from models import IntakeDraft, IntakeStep, PlaceKind

MAX_PLACE_BUTTONS = 5
# Typed instead of pressing "Done" on a multi-select step; never a topic or a language.
DONE_WORDS = frozenset({"done", "ok", "okay", "next", "fertig", "weiter", "passt"})
# Below this a "did you mean" would be a guess rather than a help.
_SUGGESTION_SCORE = 80.0

PROBLEMS = {
    Problem.EMPTY: N_("Please write an answer."),
    Problem.TOO_LONG: N_("That is too long – at most {limit} characters, please."),
    Problem.TOO_SHORT: N_("That is too short – please write a little more."),
    Problem.NO_LETTERS: N_("Please answer in words – emoji, numbers or symbols alone are not enough."),
    Problem.EMAIL: N_("That does not look like an e-mail address. Please check it (e.g. name@gemeinde.de)."),
    Problem.PHONE: N_(
        "That does not look like a phone number. Please check it (e.g. 07071 123456 or "
        "+49 7071 123456), or press “Skip”."
    ),
}


def problem_notice(context: BotContext, error: Invalid) -> str:
    """The warning shown above the repeated question."""
    return "⚠️ " + context.gettext(PROBLEMS[error.problem]).format(limit=error.limit)


def saved_notice(context: BotContext, value: str) -> str:
    """The confirmation shown above the next question."""
    return context.gettext("✓ Saved: {answer}").format(answer=preview(value, 100))


async def _simple(context: BotContext, draft: IntakeDraft, text: str, *, check: bool = False) -> None:
    """Take a typed answer to a plain text step and go on."""
    step = IntakeStep(draft.step)
    clean = {
        IntakeStep.NAME: clean_name,
        IntakeStep.ROLE: clean_role,
        IntakeStep.EMAIL: clean_email,
        IntakeStep.PHONE: clean_phone,
        IntakeStep.GOALS: clean_goals,
    }[step]
    try:
        value = clean(text)
    except Invalid as error:
        notice = problem_notice(context, error)
        if step is IntakeStep.GOALS and error.problem is Problem.TOO_LONG:
            notice += " " + context.gettext("Your text has {count} characters.").format(
                count=len(text.strip())
            )
        await flow.show(context, draft, notice)
        return
    answers = copied(draft.answers)
    answers[step.value] = value
    shown = display_phone(value) if step is IntakeStep.PHONE else value
    if check:
        notice, rows = overflow.shown_back(context, step, shown)
        await flow.advance(context, draft, answers, notice, edit=False, extra=rows)
        return
    await flow.advance(context, draft, answers, saved_notice(context, shown), edit=False)


def place_button(candidate: Candidate) -> InlineKeyboardButton:
    """A button choosing the Gemeinde or Landkreis of a search hit (its AGS is public, not personal)."""
    place = candidate.place
    kind = "g" if isinstance(place, Gemeinde) else "k"
    return InlineKeyboardButton(
        place.label, callback_data=callbacks.data(IntakeStep.MUNICIPALITY, kind, place.ags)
    )


def choose_place(context: BotContext, draft: IntakeDraft, place: Gemeinde | Kreis) -> Awaitable[None]:
    """Store the chosen place and go on."""
    answers = copied(draft.answers)
    if isinstance(place, Gemeinde):
        answers["place"] = place_answer(PlaceKind.GEMEINDE, place.ags, place.label, place.kreis_ags)
    else:
        answers["place"] = place_answer(PlaceKind.KREIS, place.ags, place.label, place.ags)
    return flow.advance(context, draft, answers, saved_notice(context, place.label), edit=False)


async def _municipality(context: BotContext, draft: IntakeDraft, text: str) -> None:
    """Take the typed municipality, or offer the places it may mean."""
    _ = context.gettext
    try:
        query = clean_search(text)
    except Invalid as error:
        await flow.show(context, draft, problem_notice(context, error))
        return
    result = search(query, limit=MAX_PLACE_BUTTONS)
    usable = [c for c in result.candidates if c.confident and _may_request(c)]
    if len(usable) == 1 and usable[0].score >= SCORE_SHORT_FORM:
        await choose_place(context, draft, usable[0].place)
        return
    shown = html.escape(query)
    if usable:
        notice = _("Which one do you mean? If it is none of these, type the name again.")
        rows = [[place_button(c)] for c in usable[:MAX_PLACE_BUTTONS]]
        await flow.show(context, draft, f"🔎 {shown}\n{notice}", extra=rows)
        return
    guesses = [c for c in result.candidates if c.score >= _SUGGESTION_SCORE and _may_request(c)]
    lines = [
        _("We could not find “{query}” among the municipalities and districts of Baden-Württemberg.").format(
            query=shown
        ),
        _(
            "MiGlobe Baden-Württemberg is for Städte, Gemeinden and Landkreise in Baden-Württemberg. "
            "If yours is in another federal state, please contact the programme team."
        ),
        contact_line(context),
        _("If it is in Baden-Württemberg, please check the spelling or type its postcode."),
    ]
    if guesses:
        lines.append(_("Or did you mean one of these?"))
    rows = [[place_button(c)] for c in guesses[:MAX_PLACE_BUTTONS]]
    await flow.show(context, draft, "\n".join(lines), extra=rows)


def _may_request(candidate: Candidate) -> bool:
    """Whether the place may ask for a kickoff talk itself."""
    # Every Gemeinde and Landkreis may ask; a Stadtkreis asks as its city (a Gemeinde).
    place = candidate.place
    return isinstance(place, Gemeinde) or place.kind == LANDKREIS


def _is_done_word(text: str) -> bool:
    """Whether the text says the user is done with a list ("fertig", "done")."""
    return text.strip().strip(".!").casefold() in DONE_WORDS


async def _done_typed(context: BotContext, draft: IntakeDraft, missing: str) -> None:
    """Go on when the step has an answer, else ask for one."""
    step = IntakeStep(draft.step)
    if is_answered(draft.answers, step):
        await flow.advance(context, draft, copied(draft.answers), None, edit=False)
    else:
        await flow.show(context, draft, "⚠️ " + context.gettext(missing))


async def _own_topic(context: BotContext, draft: IntakeDraft, text: str, *, check: bool = False) -> None:
    """Take a topic the user typed, or go on when they are done."""
    if _is_done_word(text):
        await _done_typed(context, draft, N_("Please choose at least one topic."))
        return
    try:
        value = clean_topic_other(text)
    except Invalid as error:
        await flow.show(context, draft, problem_notice(context, error))
        return
    answers = copied(draft.answers)
    answers["topic_other"] = value
    notice = context.gettext("✓ Your own topic was added: {topic}").format(
        topic=preview(value, TOPIC_OTHER_MAX if check else 100)
    )
    if check:
        # Shown whole after a refused long text; the topic's own button removes it to type it anew.
        notice += "\n" + context.gettext("Please check that this is your whole topic.")
    await flow.save(context, draft, notice, answers=answers)


async def _language_search(context: BotContext, draft: IntakeDraft, text: str) -> None:
    """Offer the languages the typed text may mean."""
    _ = context.gettext
    if _is_done_word(text):
        await _done_typed(context, draft, N_("Please choose at least one language."))
        return
    try:
        query = clean_search(text)
    except Invalid as error:
        await flow.show(context, draft, problem_notice(context, error))
        return
    found = languages.search(query, context.locale) if len(query) >= 2 else []
    if not found:
        notice = _("We did not find a language called “{query}”. Please check the spelling.").format(
            query=html.escape(query)
        )
        await flow.show(context, draft, "⚠️ " + notice)
        return
    await flow.show(
        context, draft, _("🔎 Languages found for “{query}”:").format(query=html.escape(query)), found=found
    )


def _buttons_only(message: str) -> Callable[[BotContext, IntakeDraft, str], Awaitable[None]]:
    """An answer handler for steps that take buttons only."""

    async def reply(context: BotContext, draft: IntakeDraft, text: str) -> None:
        """Show the step again with a hint to use the buttons."""
        await flow.show(context, draft, "⚠️ " + context.gettext(message))

    return reply


_BY_STEP: dict[IntakeStep, Callable[[BotContext, IntakeDraft, str], Awaitable[None]]] = {
    IntakeStep.MUNICIPALITY: _municipality,
    IntakeStep.NAME: _simple,
    IntakeStep.ROLE: _simple,
    IntakeStep.EMAIL: _simple,
    IntakeStep.PHONE: _simple,
    IntakeStep.TOPICS: _own_topic,
    IntakeStep.LANGUAGES: _language_search,
    IntakeStep.GOALS: _simple,
    IntakeStep.TIMES: _buttons_only(
        N_("Please pick the days in the calendar below, or press “Flexible” if any time suits you.")
    ),
    IntakeStep.FORMAT: _buttons_only(N_("Please choose one of the buttons below.")),
    IntakeStep.SUMMARY: _buttons_only(
        N_("Please use the buttons below to change a field or to send the request.")
    ),
}


# Steps whose typed text is stored as it is (searches only offer choices); after a recent refusal of
# a too-long text they show what they stored (see handlers/intake/overflow.py).
_SAVING: dict[IntakeStep, Callable[..., Awaitable[None]]] = {
    IntakeStep.NAME: _simple,
    IntakeStep.ROLE: _simple,
    IntakeStep.EMAIL: _simple,
    IntakeStep.PHONE: _simple,
    IntakeStep.GOALS: _simple,
    IntakeStep.TOPICS: _own_topic,
}


async def on_text(
    context: BotContext, draft: IntakeDraft, text: str, sent_at: datetime | None = None
) -> None:
    """Handle a typed answer to the draft's current step; the tail of a long text Telegram split
    (sent right after a refused too-long message) is refused as well, never saved."""
    step = IntakeStep(draft.step)
    check = False
    if sent_at is not None and step in overflow.LIMITS:
        if overflow.continues(draft, step, sent_at):
            await overflow.refuse_rest(context, draft, sent_at, text)
            return
        if overflow.too_long(step, text):
            if not await overflow.remember(context, draft, sent_at, text):
                return
        else:
            check = overflow.recently_refused(draft, step, sent_at)
    if check and step in _SAVING:
        await _SAVING[step](context, draft, text, check=True)
        return
    await _BY_STEP[step](context, draft, text)
