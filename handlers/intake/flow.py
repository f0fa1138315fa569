"""Moving through the intake: show a step, save an answer and go on, go back, pause, resume.

Every save is a compare-and-set on the draft (see ``bot.services.intake.change``); when it
loses, the user is told and sees the step the draft is really at.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.context import BotContext
from bot.services import intake
from bot.services.intake_answers import Answers, first_unanswered, next_step, previous_step
from handlers.intake import render
from handlers.intake.common import draft_gone, timing
from models import IntakeDraft, IntakeStep


async def show(
    context: BotContext,
    draft: IntakeDraft,
    notice: str | None = None,
    *,
    edit: bool = False,
    month: date | None = None,
    found: list[str] | None = None,
    extra: render.Rows | None = None,
) -> None:
    """Ask the draft's current step, as a new message or in place of the pressed one."""
    text, markup = await render.prompt(context, draft, notice, month=month, found=found, extra=extra)
    if edit:
        context.edit(text, markup)
    else:
        context.reply(text, markup)


async def conflict(context: BotContext, *, edit: bool = False) -> None:
    """Another update changed the draft first: say so and show where it really is."""
    _ = context.gettext
    draft = await intake.get_draft(context.db, context.user.id)
    if draft is None:
        context.reply(draft_gone(context))
        return
    await show(context, draft, _("That was already taken care of. Here is where you are now:"), edit=edit)


async def save(
    context: BotContext,
    draft: IntakeDraft,
    notice: str | None = None,
    *,
    edit: bool = False,
    month: date | None = None,
    found: list[str] | None = None,
    extra: render.Rows | None = None,
    **values: Any,
) -> bool:
    """Store ``values`` (answers, step, …) and show the resulting step; False if it lost a race."""
    if not await intake.change(context.db, draft, timing(context), active=True, **values):
        await conflict(context, edit=edit)
        return False
    await show(context, draft, notice, edit=edit, month=month, found=found, extra=extra)
    return True


async def advance(
    context: BotContext,
    draft: IntakeDraft,
    answers: Answers,
    notice: str | None,
    *,
    edit: bool,
    extra: render.Rows | None = None,
) -> None:
    """Store ``answers`` and go to the next question (back to the summary when editing from it)."""
    step = IntakeStep(draft.step)
    target = IntakeStep.SUMMARY if draft.editing else next_step(step)
    if target is IntakeStep.SUMMARY:
        # Never show a summary with a hole in it (e.g. after a forged button).
        target = first_unanswered(answers) or IntakeStep.SUMMARY
    editing = draft.editing and target is not IntakeStep.SUMMARY
    await save(context, draft, notice, edit=edit, extra=extra, answers=answers, step=target, editing=editing)


async def go_back(context: BotContext, draft: IntakeDraft, *, edit: bool) -> None:
    """One step back; while editing from the summary, back to the summary unchanged."""
    _ = context.gettext
    step = IntakeStep(draft.step)
    if draft.editing:
        target: IntakeStep | None = first_unanswered(draft.answers) or IntakeStep.SUMMARY
    else:
        target = previous_step(step)
    if target is None:
        await save(context, draft, _("This is the first question."), edit=edit)
        return
    # Leaving an edit with a field emptied (all topics removed) stays on that field.
    await save(
        context, draft, edit=edit, step=target, editing=target is not IntakeStep.SUMMARY and draft.editing
    )


async def pause(context: BotContext, draft: IntakeDraft) -> bool:
    """Leave the intake; the draft stays until it expires. False if it lost a race."""
    return await intake.change(context.db, draft, timing(context), active=False)
