"""Keeping data only as long as ``/datenschutz`` says: the hourly retention sweep.

Requests that ended (closed, withdrawn, cancelled) longer than ``REQUEST_RETENTION_DAYS`` ago are
anonymised (:mod:`anonymize`): the statistics keep counting them. Questions older than
``QUESTION_RETENTION_DAYS`` that no longer wait for a person lose their text, answer and asker.
Both are compare-and-set updates: a run that overlaps another, or a request that moved in the
meantime, changes nothing twice. Drafts, handled updates and sent messages have their own sweeps.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db import Database
from bot.services import knowledge_curation
from bot.services.anonymize import anonymize_request
from models import KickoffRequest, Question, QuestionStatus, RequestStatus, utcnow

ENDED = (RequestStatus.CLOSED, RequestStatus.WITHDRAWN, RequestStatus.CANCELLED)
BATCH = 200


def request_cutoff(settings: Settings, now: datetime) -> datetime:
    """Requests that ended before this moment are anonymised."""
    return now - timedelta(days=settings.request_retention_days)


def question_cutoff(settings: Settings, now: datetime) -> datetime:
    """Questions asked before this moment are blanked (unless a person still has to answer them)."""
    return now - timedelta(days=settings.question_retention_days)


async def anonymize_ended_requests(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Anonymise up to ``BATCH`` requests past their retention; returns how many."""
    cutoff = request_cutoff(settings, now)
    # ``updated_at`` is the time of the last status change, i.e. when the request ended.
    due = (
        KickoffRequest.status.in_(ENDED),
        KickoffRequest.updated_at <= cutoff,
        KickoffRequest.anonymized_at.is_(None),
    )
    ids = await session.scalars(
        select(KickoffRequest.id).where(*due).order_by(KickoffRequest.id).limit(BATCH)
    )
    done = 0
    for request_id in list(ids):
        # The conditions again in the UPDATE: a request reopened since the SELECT is left alone.
        if await anonymize_request(session, request_id, now, *due):
            done += 1
    return done


async def blank_old_questions(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Blank the questions past their retention that no longer wait for a person; returns how many."""
    result = await session.execute(
        update(Question)
        .where(
            Question.created_at <= question_cutoff(settings, now),
            Question.status != QuestionStatus.HANDED_OVER.value,
            or_(Question.text != "", Question.answer_text.is_not(None), Question.user_id.is_not(None)),
        )
        .values(text="", answer_text=None, user_id=None, replying_coordinator_id=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def sweep_retention(db: Database, settings: Settings, now: datetime | None = None) -> str:
    """One run in one transaction; a summary for the log (empty when nothing was due)."""
    now = now or utcnow()
    async with db.transaction() as session:
        requests = await anonymize_ended_requests(session, settings, now)
        questions = await blank_old_questions(session, settings, now)
        # A public answer made from a question forgets which question it was once that is blanked.
        await knowledge_curation.unlink_blank_questions(session)
    if not requests and not questions:
        return ""
    return f"{requests} requests anonymised, {questions} questions blanked"
