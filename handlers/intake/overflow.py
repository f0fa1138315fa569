"""Long pasted text that Telegram split into several messages: no fragment is ever saved silently.

A text longer than 4,096 characters arrives as several messages a moment apart, handled in order
(the dispatcher keeps each chat's updates in sequence). Every free-text step takes far less than
4,096 characters, so joining the parts could never give an answer the step accepts. Decided:

- The first part is refused as too long; the refusal is remembered in the draft (it survives a
  restart and works with several workers): ``answers["_too_long"] = {"step", "at", "chars"}`` –
  the step, Telegram's timestamp of the latest part (epoch seconds) and the characters of all
  parts so far. Everything else ignores the key. A refused text shorter than half of Telegram's
  limit cannot be a part of a split text and is not remembered: what follows it is a new answer.
- A message on the same step sent within ``SPLIT_SECONDS`` of the latest part (by Telegram's own
  timestamps, which do not depend on how fast the bot is) is the next part: it is refused too,
  saying how long the parts are together (they are counted as one text), and never saved.
- A text that fits and comes later, but within ``SHOW_BACK_SECONDS`` of a refusal on that step,
  is saved and shown back in full with "✏️ Replace": a part delayed by a slow connection (or a
  shortened text) is seen by the person, never taken silently. Nobody reads a refusal and types a
  new answer within a few seconds, so a real answer is not refused.
"""

from __future__ import annotations

from datetime import datetime

from babel.numbers import format_decimal
from telegram import InlineKeyboardButton

from bot.context import BotContext
from bot.services import intake
from bot.services.intake_answers import Answers, copied, is_answered
from bot.services.validation import (
    EMAIL_MAX,
    GOALS_MAX,
    NAME_MAX,
    ROLE_MAX,
    SEARCH_MAX,
    TOPIC_OTHER_MAX,
)
from handlers.intake import callbacks, flow, render
from handlers.intake.common import preview, timing
from models import IntakeDraft, IntakeStep

SPLIT_SECONDS = 5
# Telegram splits only a text over 4,096 characters, and every part but the last comes close to
# that size; a refused text shorter than half of it was sent whole, so what follows is a new answer.
SPLIT_PART_MIN = 2048
SHOW_BACK_SECONDS = 300
MARK = "_too_long"
REPLACE = "replace"
PHONE_MAX = 40
ORDER = list(IntakeStep)
# The free-text steps and the most each takes (the same limits the step's validation applies).
LIMITS = {
    IntakeStep.MUNICIPALITY: SEARCH_MAX,
    IntakeStep.NAME: NAME_MAX,
    IntakeStep.ROLE: ROLE_MAX,
    IntakeStep.EMAIL: EMAIL_MAX,
    IntakeStep.PHONE: PHONE_MAX,
    IntakeStep.TOPICS: TOPIC_OTHER_MAX,
    IntakeStep.LANGUAGES: SEARCH_MAX,
    IntakeStep.GOALS: GOALS_MAX,
}


def step_index(step: str) -> int:
    """The position of ``step`` in the intake (the summary last)."""
    return ORDER.index(IntakeStep(step))


def too_long(step: IntakeStep, text: str) -> bool:
    """Whether ``text`` is over the step's limit (so the step refuses it)."""
    limit = LIMITS.get(step)
    return limit is not None and len(text.strip()) > limit


def _mark(draft: IntakeDraft, step: IntakeStep) -> dict[str, int] | None:
    """The mark of a long answer split into several messages, if it is for this step."""
    mark = draft.answers.get(MARK)
    if not isinstance(mark, dict) or mark.get("step") != step.value or not isinstance(mark.get("at"), int):
        return None
    return mark


def _within(draft: IntakeDraft, step: IntakeStep, sent_at: datetime, seconds: int) -> bool:
    """Whether a message arrived within ``seconds`` of the step's mark."""
    mark = _mark(draft, step)
    return mark is not None and 0 <= int(sent_at.timestamp()) - mark["at"] <= seconds


def continues(draft: IntakeDraft, step: IntakeStep, sent_at: datetime) -> bool:
    """Whether a message sent at ``sent_at`` is the next part of a refused too-long one on this step."""
    return _within(draft, step, sent_at, SPLIT_SECONDS)


def recently_refused(draft: IntakeDraft, step: IntakeStep, sent_at: datetime) -> bool:
    """Whether a too-long text on this step was refused shortly before (its answer is shown back)."""
    return _within(draft, step, sent_at, SHOW_BACK_SECONDS)


def _marked(draft: IntakeDraft, step: IntakeStep, sent_at: datetime, chars: int) -> Answers:
    """The answers with a fresh mark for the step."""
    answers = copied(draft.answers)
    answers[MARK] = {"step": step.value, "at": int(sent_at.timestamp()), "chars": chars}
    return answers


async def remember(context: BotContext, draft: IntakeDraft, sent_at: datetime, text: str) -> bool:
    """Note in the draft that the too-long ``text`` sent at ``sent_at`` is being refused; False (and
    the user told where they are) if another update changed the draft first."""
    if len(text) < SPLIT_PART_MIN:
        return True  # not a part of a split text: nothing to remember
    answers = _marked(draft, IntakeStep(draft.step), sent_at, len(text))
    if await intake.change(context.db, draft, timing(context), answers=answers):
        return True
    await flow.conflict(context)
    return False


async def refuse_rest(context: BotContext, draft: IntakeDraft, sent_at: datetime, text: str) -> None:
    """Refuse the next part of a split text, counting all parts as one, and ask the step again."""
    step = IntakeStep(draft.step)
    mark = _mark(draft, step) or {}
    chars = int(mark.get("chars", 0)) + len(text)
    notice = context.gettext(
        "This looks like the rest of your previous message: Telegram splits a long text into several "
        "messages. Together they have {count} characters. We have not saved any of it. Please send a "
        "shorter version – at most {limit} characters – as one message."
    ).format(count=format_decimal(chars, locale=context.locale), limit=LIMITS[step])
    await flow.save(context, draft, "⚠️ " + notice, answers=_marked(draft, step, sent_at, chars))


def shown_back(context: BotContext, step: IntakeStep, value: str) -> tuple[str, render.Rows]:
    """The whole saved text after a recent refusal, with "✏️ Replace" to send it anew."""
    notice = "\n".join(
        [
            context.gettext("✓ Saved: {answer}").format(answer=preview(value, LIMITS[step])),
            context.gettext(
                "Please check that this is your whole text. If a part is missing, press “✏️ Replace” "
                "and send it again."
            ),
        ]
    )
    button = InlineKeyboardButton(context.gettext("✏️ Replace"), callback_data=callbacks.data(step, REPLACE))
    return notice, [[button]]


async def on_replace(context: BotContext, draft: IntakeDraft, step: IntakeStep) -> None:
    """ "✏️ Replace": back to ``step`` to send the text anew (then on, or back to the summary)."""
    answers = draft.answers
    if step not in LIMITS or not is_answered(answers, step) or step_index(draft.step) <= step_index(step):
        context.answer(context.gettext("This button is no longer valid."), alert=True)
        return
    context.answer()
    editing = draft.editing or draft.step == IntakeStep.SUMMARY
    notice = context.gettext("Please send the text again, as one message.")
    await flow.save(context, draft, notice, step=step, editing=editing)
