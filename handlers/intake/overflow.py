"""Long pasted text that Telegram split into several messages: the rest is never taken as an answer.

A text longer than 4,096 characters arrives as several messages a moment apart. The first is
refused as too long; the next would fit and be saved silently as the answer, although it is only
the tail of the text. So when a too-long message was refused, a message on the same step that was
sent within ``SPLIT_SECONDS`` of it (by Telegram's own timestamps, which the user cannot influence
and which do not depend on how fast the bot is) counts as part of it and is refused too, with a
word on why. Nobody reads a refusal and types a new answer within two seconds, so a real answer is
never caught. The refusal is remembered in the draft (survives a restart, works with several
workers): ``answers["_too_long"] = {"step": …, "at": epoch seconds}``, ignored by everything else.
"""

from __future__ import annotations

from datetime import datetime

from bot.context import BotContext
from bot.services import intake
from bot.services.intake_answers import Answers, copied
from bot.services.validation import (
    EMAIL_MAX,
    GOALS_MAX,
    NAME_MAX,
    ROLE_MAX,
    SEARCH_MAX,
    TOPIC_OTHER_MAX,
)
from handlers.intake import flow
from handlers.intake.common import timing
from models import IntakeDraft, IntakeStep

SPLIT_SECONDS = 2
MARK = "_too_long"
PHONE_MAX = 40
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


def too_long(step: IntakeStep, text: str) -> bool:
    """Whether ``text`` is over the step's limit (so the step refuses it)."""
    limit = LIMITS.get(step)
    return limit is not None and len(text.strip()) > limit


def continues(draft: IntakeDraft, step: IntakeStep, sent_at: datetime) -> bool:
    """Whether a message sent at ``sent_at`` follows a refused too-long one on this step at once."""
    mark = draft.answers.get(MARK)
    if not isinstance(mark, dict) or mark.get("step") != step.value:
        return False
    at = mark.get("at")
    return isinstance(at, int) and 0 <= int(sent_at.timestamp()) - at <= SPLIT_SECONDS


def _marked(draft: IntakeDraft, step: IntakeStep, sent_at: datetime) -> Answers:
    answers = copied(draft.answers)
    answers[MARK] = {"step": step.value, "at": int(sent_at.timestamp())}
    return answers


async def remember(context: BotContext, draft: IntakeDraft, sent_at: datetime) -> bool:
    """Note in the draft that a too-long message sent at ``sent_at`` is being refused; False (and
    the user told where they are) if another update changed the draft first."""
    answers = _marked(draft, IntakeStep(draft.step), sent_at)
    if await intake.change(context.db, draft, timing(context), answers=answers):
        return True
    await flow.conflict(context)
    return False


async def refuse_rest(context: BotContext, draft: IntakeDraft, sent_at: datetime) -> None:
    """Refuse the tail of a split text and ask the step again (a third part is caught as well)."""
    step = IntakeStep(draft.step)
    notice = context.gettext(
        "This looks like the rest of your previous message: Telegram splits a long text into several "
        "messages. We have not saved it. Please send a shorter version – at most {limit} characters – as one "
        "message."
    ).format(limit=LIMITS[step])
    await flow.save(context, draft, "⚠️ " + notice, answers=_marked(draft, step, sent_at))
