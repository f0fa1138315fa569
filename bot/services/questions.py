"""Questions asked in free text: recording them, the asker's choices, handover and coordinators' answers.

Telegram-free. Every change is a compare-and-set on the question's row (``UPDATE … WHERE`` the
state it was read in, acting only when one row changed), so double taps, stale buttons, forged
ids and two coordinators racing each other all end in one clear outcome.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.knowledge import AnswerResult
from models import Feedback, KickoffRequest, Question, QuestionStatus, User, utcnow

# A coordinator who pressed "reply" holds the question this long. After that another may take it
# over, and the first one's text is no longer sent unasked: an hour-old "reply" must not turn an
# unrelated message into an answer to a contact.
REPLY_CLAIM = timedelta(minutes=60)


async def record(
    session: AsyncSession, user_id: int, text: str, locale: str, result: AnswerResult
) -> Question:
    """Store a question with the knowledge base's verdict on it."""
    top = result.matches[0] if result.matches else None
    question = Question(
        user_id=user_id,
        locale=locale,
        text=text,
        intent=result.intent.value,
        entry_id=top.entry.id if top else None,
        score=round(top.score, 4) if top else None,
        confident=result.confident,
        shown_entry_id=result.best.entry.id if result.best else None,
        status=QuestionStatus.ASKED,
        created_at=utcnow(),
    )
    session.add(question)
    await session.flush()
    return question


async def get(session: AsyncSession, question_id: int) -> Question | None:
    """The question with this id, read fresh from the database."""
    return await session.get(Question, question_id, populate_existing=True)


async def get_own(session: AsyncSession, question_id: int, user_id: int) -> Question | None:
    """The question if ``user_id`` asked it, else None (another's id reveals nothing)."""
    question = await get(session, question_id)
    return question if question is not None and question.user_id == user_id else None


async def _cas(session: AsyncSession, question_id: int, where: list[Any], **values: Any) -> bool:
    """Update a question only if it still meets ``where``; False when it no longer does."""
    result = await session.execute(
        update(Question)
        .where(Question.id == question_id, *where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def _shown_is(entry_id: str | None) -> Any:
    """SQL condition: the question was shown this entry (or none)."""
    return Question.shown_entry_id.is_(None) if entry_id is None else Question.shown_entry_id == entry_id


async def show_entry(session: AsyncSession, question: Question, shown: str | None, entry_id: str) -> bool:
    """Let the asker's message show ``entry_id`` instead of ``shown``; False if it changed meanwhile."""
    where = [Question.user_id == question.user_id, _shown_is(shown)]
    return await _cas(session, question.id, where, shown_entry_id=entry_id)


async def give_feedback(session: AsyncSession, question: Question, entry_id: str, feedback: Feedback) -> bool:
    """Record the asker's verdict on ``entry_id``; False when the message shows another entry by now.

    The asker may change their mind; the last press counts.
    """
    where = [Question.user_id == question.user_id, Question.shown_entry_id == entry_id]
    values = {"feedback": feedback.value, "feedback_entry_id": entry_id, "feedback_at": utcnow()}
    return await _cas(session, question.id, where, **values)


async def hand_over(session: AsyncSession, question: Question) -> bool:
    """Pass the question to the coordinators; False when it was passed on (or answered) already."""
    where = [Question.user_id == question.user_id, Question.status == QuestionStatus.ASKED]
    return await _cas(session, question.id, where, status=QuestionStatus.HANDED_OVER, handed_over_at=utcnow())


class Claim(enum.StrEnum):
    """What pressing "reply" came to."""

    CLAIMED = "claimed"  # the presser's next text answers the question
    TAKEN_OVER = "taken_over"  # claimed from a coordinator whose claim had lapsed
    BUSY = "busy"  # another coordinator is writing the answer
    ANSWERED = "answered"  # already answered
    NOT_OPEN = "not_open"  # never handed over (or unknown)


@dataclass(frozen=True)
class ClaimResult:
    """The outcome of :func:`start_reply`; ``question`` as it is now, ``previous`` whose claim lapsed."""

    claim: Claim
    question: Question | None
    previous_id: int | None = None


async def start_reply(
    session: AsyncSession, question_id: int, coordinator_id: int, now: datetime | None = None
) -> ClaimResult:
    """Hold the question for ``coordinator_id``: their next text message becomes the answer.

    A coordinator writes one answer at a time, so a claim on another question is released.
    """
    now = now or utcnow()
    question = await get(session, question_id)
    if question is None or question.status == QuestionStatus.ASKED:
        return ClaimResult(Claim.NOT_OPEN, question)
    if question.status == QuestionStatus.ANSWERED:
        return ClaimResult(Claim.ANSWERED, question)
    previous = question.replying_coordinator_id
    free = or_(
        Question.replying_coordinator_id.is_(None),
        Question.replying_coordinator_id == coordinator_id,
        Question.reply_started_at < now - REPLY_CLAIM,
    )
    claimed = await _cas(
        session,
        question.id,
        [Question.status == QuestionStatus.HANDED_OVER, free],
        replying_coordinator_id=coordinator_id,
        reply_started_at=now,
    )
    if claimed:
        await release_reply(session, coordinator_id, keep=question_id)
    question = await get(session, question_id)
    if not claimed:
        answered = question is not None and question.status == QuestionStatus.ANSWERED
        return ClaimResult(Claim.ANSWERED if answered else Claim.BUSY, question)
    if previous is not None and previous != coordinator_id:
        return ClaimResult(Claim.TAKEN_OVER, question, previous)
    return ClaimResult(Claim.CLAIMED, question)


# Asked for every text message: built once.
_PENDING_REPLY = (
    select(Question)
    .where(
        Question.replying_coordinator_id == bindparam("coordinator_id"),
        Question.status == QuestionStatus.HANDED_OVER,
    )
    .order_by(Question.reply_started_at.desc())
    .limit(1)
    .execution_options(populate_existing=True)
)


async def pending_reply(session: AsyncSession, coordinator_id: int) -> Question | None:
    """The open question this coordinator pressed "reply" on, if any."""
    return await session.scalar(_PENDING_REPLY, {"coordinator_id": coordinator_id})


def lapsed(question: Question, now: datetime | None = None) -> bool:
    """Whether the coordinator's claim on ``question`` is older than :data:`REPLY_CLAIM`."""
    started = question.reply_started_at
    return started is None or started < (now or utcnow()) - REPLY_CLAIM


async def release_reply(session: AsyncSession, coordinator_id: int, keep: int | None = None) -> int:
    """Give up the coordinator's claims on open questions (but ``keep``); returns how many."""
    result = await session.execute(
        update(Question)
        .where(
            Question.replying_coordinator_id == coordinator_id,
            Question.status == QuestionStatus.HANDED_OVER,
            Question.id != (keep or 0),
        )
        .values(replying_coordinator_id=None, reply_started_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def record_answer(session: AsyncSession, question: Question, coordinator_id: int, text: str) -> bool:
    """Store the coordinator's answer; False when someone else answered or took the question over."""
    where = [
        Question.status == QuestionStatus.HANDED_OVER,
        Question.replying_coordinator_id == coordinator_id,
    ]
    done = await _cas(
        session,
        question.id,
        where,
        status=QuestionStatus.ANSWERED,
        answered_by_id=coordinator_id,
        answered_at=utcnow(),
        answer_text=text,
        replying_coordinator_id=None,
        reply_started_at=None,
    )
    await session.refresh(question)
    return done


async def open_questions(session: AsyncSession, limit: int = 10) -> tuple[list[Question], int]:
    """Handed-over questions waiting for an answer, oldest first (at most ``limit``), and how many."""
    waiting = Question.status == QuestionStatus.HANDED_OVER
    rows = await session.scalars(
        select(Question).where(waiting).order_by(Question.handed_over_at, Question.id).limit(limit)
    )
    total = await session.scalar(select(func.count()).select_from(Question).where(waiting))
    return list(rows), int(total or 0)


async def municipality_of(session: AsyncSession, user_id: int | None) -> str | None:
    """The place named in the user's latest request, if they ever sent one."""
    if user_id is None:
        return None
    return await session.scalar(
        select(KickoffRequest.place_name)
        .where(KickoffRequest.contact_user_id == user_id)
        .order_by(KickoffRequest.created_at.desc(), KickoffRequest.id.desc())
        .limit(1)
    )


async def user(session: AsyncSession, user_id: int | None) -> User | None:
    """The stored user with this id (the asker or a coordinator), if still there."""
    return None if user_id is None else await session.get(User, user_id)


async def forget_user(session: AsyncSession, user_id: int) -> int:
    """Erase a user's questions' texts and answers but keep the anonymous rows for the statistics."""
    result = await session.execute(
        update(Question)
        .where(Question.user_id == user_id)
        .values(user_id=None, text="", answer_text=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
