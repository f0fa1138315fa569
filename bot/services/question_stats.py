"""What people ask and what fails: figures on stored questions for the coordinators' statistics.

Telegram-free; a statistics command renders :class:`QuestionStats` however it likes. Wishes to
start a request (intent "intake") are counted apart: they are led into the intake, not answered,
so they count neither as answered nor as failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.intent import Intent
from models import Feedback, Question, QuestionStatus


@dataclass(frozen=True)
class EntryCount:
    """How often a knowledge-base entry was the confident answer, and how often it was not helpful."""

    entry_id: str
    asked: int
    not_helpful: int


@dataclass(frozen=True)
class QuestionStats:
    """Questions asked in ``[since, until)``; ``open_handovers`` is the number waiting now."""

    since: datetime
    until: datetime
    asked: int
    intake_wishes: int  # led into the intake instead of answered
    confident: int  # answered from the knowledge base with confidence
    not_confident: int  # the bot said it was not sure
    helpful: int
    not_helpful: int
    failed: int  # not confident or marked not helpful
    handed_over: int  # passed on to the coordinators
    answered_by_coordinators: int
    open_handovers: int
    top_entries: tuple[EntryCount, ...]

    @property
    def failure_rate(self) -> float:
        """Share of questions (intake wishes aside) the bot could not answer well, 0.0 when none."""
        questions = self.asked - self.intake_wishes
        return self.failed / questions if questions else 0.0


def _count(condition: Any) -> Any:
    """SQL that counts the rows meeting ``condition``."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def question_stats(
    session: AsyncSession, since: datetime, until: datetime, top: int = 10
) -> QuestionStats:
    """Figures on the questions asked from ``since`` (inclusive) to ``until`` (exclusive)."""
    period = and_(Question.created_at >= since, Question.created_at < until)
    question = Question.intent != Intent.INTAKE.value
    not_helpful = Question.feedback == Feedback.NOT_HELPFUL.value
    row = (
        await session.execute(
            select(
                func.count(),
                _count(Question.intent == Intent.INTAKE.value),
                _count(and_(question, Question.confident.is_(True))),
                _count(and_(question, Question.confident.is_(False))),
                _count(Question.feedback == Feedback.HELPFUL.value),
                _count(not_helpful),
                _count(and_(question, or_(Question.confident.is_(False), not_helpful))),
                _count(Question.handed_over_at.is_not(None)),
                _count(Question.status == QuestionStatus.ANSWERED.value),
            ).where(period)
        )
    ).one()
    open_handovers = await session.scalar(
        select(func.count()).select_from(Question).where(Question.status == QuestionStatus.HANDED_OVER.value)
    )
    ranked = await session.execute(
        select(Question.entry_id, func.count(), _count(not_helpful))
        .where(period, question, Question.confident.is_(True), Question.entry_id.is_not(None))
        .group_by(Question.entry_id)
        .order_by(func.count().desc(), Question.entry_id)
        .limit(top)
    )
    return QuestionStats(
        since,
        until,
        *(int(value) for value in row),
        open_handovers=int(open_handovers or 0),
        top_entries=tuple(EntryCount(str(e), int(n), int(bad)) for e, n, bad in ranked),
    )
