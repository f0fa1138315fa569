"""Button presses on the current step: choose, toggle, skip, keep, go back, edit, send.

Toggles say the state they want ("+tr", "-tr"), so a double tap cannot undo itself. Arguments
from callback data are checked against the registry and the known choices; anything else is
answered as an invalid button and changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from telegram import InlineKeyboardMarkup

from bot.context import BotContext
from bot.regions import LANDKREIS, get_registry
from bot.services import intake, languages, requests
from bot.services.intake_answers import (
    FORMATS,
    MAX_WINDOWS,
    TOPICS,
    copied,
    drop_past_windows,
    is_answered,
    set_windows,
    window_problem,
    windows_of,
    with_selection,
)
from handlers.intake import answers as typed
from handlers.intake import calendar, flow, labels, limit
from handlers.intake.callbacks import STEPS, Pressed
from handlers.intake.common import today
from handlers.intake.confirmation import confirm_submitted
from models import IntakeDraft, IntakeStep

Action = Callable[[BotContext, IntakeDraft, Pressed], Awaitable[bool]]


def invalid(context: BotContext) -> bool:
    """Answer a button whose data makes no sense now (forged or outdated); nothing changes."""
    context.answer(context.gettext("This button is no longer valid."), alert=True)
    return False


async def _municipality(context: BotContext, draft: IntakeDraft, pressed: Pressed) -> bool:
    """Button: take the chosen municipality."""
    registry = get_registry()
    place = None
    if pressed.action == "g" and len(pressed.argument) == 8:
        place = registry.gemeinde(pressed.argument)
    elif pressed.action == "k" and len(pressed.argument) == 5:
        kreis = registry.kreis(pressed.argument)
        place = kreis if kreis is not None and kreis.kind == LANDKREIS else None
    if place is None:
        return invalid(context)
    await typed.choose_place(context, draft, place)
    return True


async def _name(context: BotContext, draft: IntakeDraft, pressed: Pressed) -> bool:
    """Button: reuse the saved contact details or type new ones."""
    saved = await requests.saved_contact(context.db, context.user.id) if pressed.action == "reuse" else None
    if saved is None:
        return invalid(context)
    answers = copied(draft.answers)
    answers.update(name=saved.name, role=saved.role, email=saved.email, phone=saved.phone)
    # Skips the role, e-mail and phone questions: they were answered with the details.
    target = IntakeStep.SUMMARY if draft.editing else IntakeStep.TOPICS
    notice = context.gettext("✓ Your contact details were taken over.")
    await flow.save(context, draft, notice, edit=True, answers=answers, step=target, editing=False)
    return True


async def _skip(context: BotContext, draft: IntakeDraft, pressed: Pressed) -> bool:
    """Button: skip an optional step."""
    if pressed.action != "skip":
        return invalid(context)
    answers = copied(draft.answers)
    answers[IntakeStep(draft.step).value] = None
    await flow.advance(context, draft, answers, context.gettext("✓ Skipped."), edit=True)
    return True


async def _topics(context: BotContext, draft: IntakeDraft, pressed: Pressed) -> bool:
    """Button: choose or drop a topic, or go on."""
    _ = context.gettext
    answers = copied(draft.answers)
    if pressed.action == "other":
        context.answer(_("Please type your topic as a message."), alert=True)
        return True
    if pressed.action == "done":
        if not is_answered(answers, IntakeStep.TOPICS):
            context.answer(_("Please choose at least one topic."), alert=True)
            return True
        await flow.advance(context, draft, answers, None, edit=True)
        return True
    if pressed.action == "-" and pressed.argument == "other":
        answers.pop("topic_other", None)
    elif pressed.action in ("+", "-") and pressed.argument in TOPICS:
        answers["topics"] = with_selection(answers.get("topics", []), pressed.argument, pressed.action == "+")
    else:
        return invalid(context)
    await flow.save(context, draft, edit=True, answers=answers)
    return True


async def _languages(context: BotContext, draft: IntakeDraft, pressed: Pressed) -> bool:
    """Button: choose or drop a language, or go on."""
    _ = context.gettext
    answers = copied(draft.answers)
    chosen = answers.get("languages", [])
    if pressed.action == "done":
        if not chosen:
            context.answer(_("Please choose at least one language."), alert=True)
            return True
        await flow.advance(context, draft, answers, None, edit=True)
        return True
    if pressed.action not in ("+", "-") or not languages.is_known(pressed.argument):
        return invalid(context)
    adding = pressed.action == "+"
    if adding and pressed.argument not in chosen and len(chosen) >= languages.MAX_SELECTED:
        context.answer(
            _("You can choose up to {max} languages.").format(max=languages.MAX_SELECTED), alert=True
        )
        return True
    answers["languages"] = with_selection(chosen, pressed.argument, adding)
    await flow.save(context, draft, edit=True, answers=answers)
    return True


async def _times(context: BotContext, draft: IntakeDraft, pressed: Pressed) -> bool:
    """Button: pick days and times in the calendar, or say any time suits."""
    _ = context.gettext
    answers = copied(draft.answers)
    day_code, _sep, part = pressed.argument.partition(":")
    if pressed.action == "m" and (month := calendar.parse_month(pressed.argument)):
        await flow.show(context, draft, edit=True, month=month)
    elif pressed.action == "d" and (day := calendar.parse_day(day_code)):
        if window_problem(day, "day", today(context)):
            context.answer(_("This day cannot be chosen. Please pick a later one."), alert=True)
            return True
        text, rows = calendar.day_part_prompt(context, day)
        context.edit(text, InlineKeyboardMarkup(rows))
    elif pressed.action == "p" and (day := calendar.parse_day(day_code)):
        return await _add_window(context, draft, day, part)
    elif pressed.action == "r" and (day := calendar.parse_day(day_code)):
        set_windows(answers, [w for w in windows_of(answers) if w != (day, part)])
        await flow.save(context, draft, edit=True, month=day.replace(day=1), answers=answers)
    elif pressed.action == "flex":
        answers.update(flexible=True, windows=[])
        await flow.advance(context, draft, answers, _("✓ Saved: flexible"), edit=True)
    elif pressed.action == "done" and windows_of(answers):
        await flow.advance(context, draft, answers, None, edit=True)
    else:
        return invalid(context)
    return True


async def _add_window(context: BotContext, draft: IntakeDraft, day: date, part: str) -> bool:
    """Add a day and part of the day to the wished times."""
    _ = context.gettext
    answers = copied(draft.answers)
    problem = window_problem(day, part, today(context))
    if problem == "part":
        return invalid(context)
    if problem:
        context.answer(_("This day cannot be chosen. Please pick a later one."), alert=True)
        return True
    windows = windows_of(answers)
    if (day, part) not in windows and len(windows) >= MAX_WINDOWS:
        context.answer(_("You can choose up to {max} time windows.").format(max=MAX_WINDOWS), alert=True)
        return True
    set_windows(answers, [*windows, (day, part)])
    answers["flexible"] = False
    await flow.save(context, draft, edit=True, month=day.replace(day=1), answers=answers)
    return True


async def _format(context: BotContext, draft: IntakeDraft, pressed: Pressed) -> bool:
    """Button: choose how the talk takes place."""
    if pressed.action != "v" or pressed.argument not in FORMATS:
        return invalid(context)
    answers = copied(draft.answers)
    answers["format"] = pressed.argument
    notice = context.gettext("✓ Saved: {answer}").format(
        answer=context.gettext(labels.FORMATS[pressed.argument])
    )
    await flow.advance(context, draft, answers, notice, edit=True)
    return True


async def _summary(context: BotContext, draft: IntakeDraft, pressed: Pressed) -> bool:
    """Button: change a step from the summary, or send the request."""
    target = STEPS.get(pressed.argument)
    if pressed.action == "e" and target is not None and target is not IntakeStep.SUMMARY:
        await flow.save(context, draft, edit=True, step=target, editing=True)
        return True
    if pressed.action != "send":
        return invalid(context)
    answers = copied(draft.answers)
    if drop_past_windows(answers, today(context)):
        notice = "⚠️ " + context.gettext("Some of your preferred days have passed. Please check them.")
        await flow.save(
            context, draft, notice, edit=True, answers=answers, step=IntakeStep.TIMES, editing=True
        )
        return True
    when = await limit.next_allowed(context)
    if when is not None:
        # The summary stays as it is, with its "Send" button, for when the limit allows.
        context.answer()
        context.reply(limit.refusal(context, when, draft_kept=True))
        return True
    year = today(context).year
    request = await intake.submit(context.db, draft, context.locale, year)
    if request is None:
        await flow.conflict(context, edit=True)
        return True
    await confirm_submitted(context, request)
    # Issue 6: matching starts in the submit's transaction (offer to the best advisor or escalate);
    # the offer sweep's match_submitted is only the safety net. Imported here to keep the intake's
    # imports free of the matching handlers.
    from handlers.cascade import start_matching

    await start_matching(context, request)
    return True


_BY_STEP: dict[IntakeStep, Action] = {
    IntakeStep.MUNICIPALITY: _municipality,
    IntakeStep.NAME: _name,
    IntakeStep.PHONE: _skip,
    IntakeStep.GOALS: _skip,
    IntakeStep.TOPICS: _topics,
    IntakeStep.LANGUAGES: _languages,
    IntakeStep.TIMES: _times,
    IntakeStep.FORMAT: _format,
    IntakeStep.SUMMARY: _summary,
}


async def on_button(context: BotContext, draft: IntakeDraft, pressed: Pressed) -> None:
    """Handle a button of the draft's current step."""
    if pressed.action == "back":
        context.answer()
        await flow.go_back(context, draft, edit=True)
        return
    if pressed.action == "keep":
        if not is_answered(draft.answers, IntakeStep(draft.step)):
            invalid(context)
            return
        context.answer()
        await flow.advance(context, draft, copied(draft.answers), None, edit=True)
        return
    action = _BY_STEP.get(IntakeStep(draft.step))
    if action is None:
        invalid(context)
        return
    await action(context, draft, pressed)
