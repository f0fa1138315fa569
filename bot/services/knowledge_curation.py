"""Chat-made knowledge-base entries: made from an answered question, edited, retired and reactivated.

Telegram-free. An entry has a side per language, each with the ways people ask and the answer as
the coordinator typed it (plain text, escaped when shown); a side exists once it has an answer, and
a side without questions of its own is found by the other side's questions. Every change raises
the entry's ``revision`` (compare-and-set, so two coordinators editing at once both land) and is
recorded in the audit in the same transaction. Texts follow the content rules of
``bot/knowledge/README.md`` so that ``export-knowledge`` writes entries the loader accepts.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.knowledge_curated_text import answer_html, clean, key, shortened, variant, variants
from bot.services.knowledge_loader import ANSWER_MAX, QUESTION_MAX
from bot.services.knowledge_model import LANGUAGES
from models import AuditAction, CoordinatorAction, CuratedEntry, CuratedStatus, Question, QuestionStatus

MAX_QUESTIONS = 20  # per language: enough ways of asking, short enough for one screen


class Outcome(enum.StrEnum):
    """What a change came to."""

    DONE = "done"
    EXISTS = "exists"  # an entry was made from this question before: that one is returned
    GONE = "gone"  # no such entry (a forged or outdated button)
    NOT_ANSWERED = "not_answered"  # the question has no coordinator's answer (any more)
    NO_SIDE = "no_side"  # questions for a language the entry has no answer in
    EMPTY = "empty"  # nothing usable in the text
    TOO_LONG = "too_long"  # ``limit``: the rule broken
    TOO_MANY = "too_many"
    UNCHANGED = "unchanged"  # already in that state (a double tap)


@dataclass(frozen=True)
class Change:
    """The outcome, the entry as it is now, and for TOO_LONG the limit and the length found."""

    kind: Outcome
    entry: CuratedEntry | None = None
    limit: int = 0
    found: int = 0


def side_questions(entry: CuratedEntry, language: str) -> list[str]:
    """The questions a language side is found by: its own, else the other sides'."""
    own = list((entry.questions or {}).get(language) or [])
    if own:
        return own
    return [q for lang in LANGUAGES if lang != language for q in (entry.questions or {}).get(lang) or []]


def sides(entry: CuratedEntry) -> list[str]:
    """The languages the entry has an answer in, in the knowledge base's order."""
    return [lang for lang in LANGUAGES if (entry.answers or {}).get(lang)]


async def get(session: AsyncSession, entry_id: int) -> CuratedEntry | None:
    """The entry, read fresh."""
    return await session.get(CuratedEntry, entry_id, populate_existing=True)


async def by_question(session: AsyncSession, question_id: int) -> CuratedEntry | None:
    """The entry made from this question, if any."""
    return await session.scalar(select(CuratedEntry).where(CuratedEntry.question_id == question_id))


async def page(session: AsyncSession, offset: int, limit: int) -> list[CuratedEntry]:
    """Entries newest first (live and retired), ``limit`` of them from ``offset``."""
    query = select(CuratedEntry).order_by(CuratedEntry.id.desc()).offset(offset).limit(limit)
    return list(await session.scalars(query.execution_options(populate_existing=True)))


async def counts(session: AsyncSession) -> dict[str, int]:
    """How many entries are live and how many retired."""
    rows = await session.execute(select(CuratedEntry.status, func.count()).group_by(CuratedEntry.status))
    found = {status.value: 0 for status in CuratedStatus}
    found.update({status: int(count) for status, count in rows.tuples().all()})
    return found


async def every_entry(session: AsyncSession) -> list[CuratedEntry]:
    """All entries, oldest first (for building the live knowledge base and the export)."""
    query = select(CuratedEntry).order_by(CuratedEntry.id).execution_options(populate_existing=True)
    return list(await session.scalars(query))


# Read before every answer: built once.
_VERSION = select(func.count(), func.coalesce(func.sum(CuratedEntry.revision), 0)).select_from(CuratedEntry)


async def version(session: AsyncSession) -> tuple[int, int]:
    """How many entries and the sum of their revisions: it changes with every change, cheaply read."""
    row = (await session.execute(_VERSION)).one()
    return int(row[0]), int(row[1])


def version_of(entries: Sequence[CuratedEntry]) -> tuple[int, int]:
    """:func:`version` of entries already read (the same numbers from the same rows)."""
    return len(entries), sum(entry.revision for entry in entries)


async def history(session: AsyncSession, entry_id: int, limit: int = 5) -> list[CoordinatorAction]:
    """The latest audit rows about the entry, newest first."""
    return await audit.knowledge_actions(session, key(entry_id), limit)


def _answer_problem(text: str) -> Change | None:
    """Why ``text`` cannot be an answer (empty, too long as content HTML), or None."""
    if not clean(text).strip():
        return Change(Outcome.EMPTY)
    length = len(answer_html(text))
    return Change(Outcome.TOO_LONG, limit=ANSWER_MAX, found=length) if length > ANSWER_MAX else None


async def create_from_question(
    session: AsyncSession, question_id: int, actor_id: int, today: date, now: datetime
) -> Change:
    """Make a live entry of an answered question: the question as asked and the answer, in its language.

    Pressed twice (or by two coordinators), the entry made first is returned as EXISTS.
    """
    existing = await by_question(session, question_id)
    if existing is not None:
        return Change(Outcome.EXISTS, existing)
    question = await session.get(Question, question_id, populate_existing=True)
    if question is None or question.status != QuestionStatus.ANSWERED or not question.answer_text:
        return Change(Outcome.NOT_ANSWERED)
    asked = shortened(variant(question.text), QUESTION_MAX)
    if not asked:
        return Change(Outcome.NOT_ANSWERED)  # blanked (retention or erasure) while the button waited
    problem = _answer_problem(question.answer_text)
    if problem is not None:
        return problem
    language = question.locale if question.locale in LANGUAGES else LANGUAGES[0]
    answer = clean(question.answer_text).strip()
    entry = CuratedEntry(
        status=CuratedStatus.LIVE.value,
        questions={language: [asked]},
        answers={language: answer},
        as_of=today,
        question_id=question.id,
        revision=1,
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    await session.flush()
    details = {"entry": key(entry.id), "question": question.id, "language": language}
    audit.record(
        session,
        actor_id,
        AuditAction.KNOWLEDGE_CREATE,
        now,
        details={**details, "questions": [asked], "answer": answer},
    )
    return Change(Outcome.DONE, entry)


Mutation = Callable[[CuratedEntry], "dict[str, Any] | Change"]


async def _change(
    session: AsyncSession,
    entry_id: int,
    mutate: Mutation,
    actor_id: int | None,
    action: AuditAction,
    details: dict[str, Any],
    now: datetime,
) -> Change:
    """Apply ``mutate`` (new column values, or a refusal) with a compare-and-set on the revision."""
    for _attempt in range(3):
        entry = await get(session, entry_id)
        if entry is None:
            return Change(Outcome.GONE)
        values = mutate(entry)
        if isinstance(values, Change):
            return Change(values.kind, entry, values.limit, values.found)
        result = await session.execute(
            update(CuratedEntry)
            .where(CuratedEntry.id == entry_id, CuratedEntry.revision == entry.revision)
            .values(**values, revision=entry.revision + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            audit.record(session, actor_id, action, now, details={"entry": key(entry_id), **details})
            return Change(Outcome.DONE, await get(session, entry_id))
    raise RuntimeError(f"entry {entry_id} kept changing; giving up this update")


def _questions_values(
    entry: CuratedEntry, language: str, new: list[str], replace: bool
) -> dict[str, Any] | Change:
    """The entry's questions with ``new`` added to (or replacing) one side's, or why not."""
    if language not in sides(entry):
        return Change(Outcome.NO_SIDE)
    if not new:
        return Change(Outcome.EMPTY)
    longest = max(len(q) for q in new)
    if longest > QUESTION_MAX:
        return Change(Outcome.TOO_LONG, limit=QUESTION_MAX, found=longest)
    current = [] if replace else list((entry.questions or {}).get(language) or [])
    known = {q.casefold() for q in current}
    merged = current + [q for q in new if q.casefold() not in known]
    if len(merged) > MAX_QUESTIONS:
        return Change(Outcome.TOO_MANY, limit=MAX_QUESTIONS, found=len(merged))
    if merged == list((entry.questions or {}).get(language) or []):
        return Change(Outcome.UNCHANGED)
    return {"questions": {**(entry.questions or {}), language: merged}}


async def set_questions(
    session: AsyncSession,
    entry_id: int,
    language: str,
    typed: str,
    actor_id: int,
    now: datetime,
    *,
    replace: bool,
) -> Change:
    """Add the typed ways of asking (one per line) to a side, or replace that side's with them."""
    new = variants(typed)
    details = {
        "change": "questions_replaced" if replace else "questions_added",
        "language": language,
        "questions": new,
    }
    return await _change(
        session,
        entry_id,
        lambda entry: _questions_values(entry, language, new, replace),
        actor_id,
        AuditAction.KNOWLEDGE_EDIT,
        details,
        now,
    )


async def set_answer(
    session: AsyncSession, entry_id: int, language: str, typed: str, actor_id: int, today: date, now: datetime
) -> Change:
    """Replace a side's answer, or add the side of another language; the "Stand" becomes ``today``."""
    if language not in LANGUAGES:
        return Change(Outcome.NO_SIDE)
    problem = _answer_problem(typed)
    if problem is not None:
        return Change(problem.kind, await get(session, entry_id), problem.limit, problem.found)
    answer = clean(typed).strip()

    def values(entry: CuratedEntry) -> dict[str, Any] | Change:
        """The new answers and "Stand", or UNCHANGED when the side reads like that already."""
        if (entry.answers or {}).get(language) == answer:
            return Change(Outcome.UNCHANGED)
        return {"answers": {**(entry.answers or {}), language: answer}, "as_of": today}

    details = {"change": "answer", "language": language, "answer": answer}
    return await _change(session, entry_id, values, actor_id, AuditAction.KNOWLEDGE_EDIT, details, now)


async def set_live(
    session: AsyncSession, entry_id: int, live: bool, actor_id: int | None, now: datetime
) -> Change:
    """Retire the entry (the bot no longer answers from it) or make it live again."""
    wanted = CuratedStatus.LIVE if live else CuratedStatus.RETIRED

    def values(entry: CuratedEntry) -> dict[str, Any] | Change:
        """The new status, or UNCHANGED (a double tap)."""
        return Change(Outcome.UNCHANGED) if entry.status == wanted else {"status": wanted.value}

    action = AuditAction.KNOWLEDGE_REACTIVATE if live else AuditAction.KNOWLEDGE_RETIRE
    return await _change(session, entry_id, values, actor_id, action, {}, now)


async def unlink_blank_questions(session: AsyncSession) -> int:
    """Forget which question an entry was made from once that question is blanked (erased or past its
    retention), so nothing leads from a public answer to the person who asked; returns how many."""
    blank = select(Question.id).where(Question.user_id.is_(None), Question.text == "")
    result = await session.execute(
        update(CuratedEntry)
        .where(and_(CuratedEntry.question_id.is_not(None), CuratedEntry.question_id.in_(blank)))
        .values(question_id=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
