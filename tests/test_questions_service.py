"""The question services without Telegram: the learning loop's figures and compare-and-set claims."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services import knowledge, questions
from bot.services.question_stats import EntryCount, question_stats
from bot.services.questions import Claim
from models import Feedback, Question, QuestionStatus, Role
from tests.matching_helpers import NOW, add_user, migrated


async def _ask(session, user, text: str, locale: str = "de", days_ago: float = 0) -> Question:
    question = await questions.record(session, user.id, text, locale, knowledge.answer(text, locale))
    question.created_at = NOW - timedelta(days=days_ago)
    await session.flush()
    return question


async def test_question_stats_counts_asked_failed_and_open(database_url: str) -> None:
    async with migrated(database_url) as db, db.transaction() as session:
        ana = await add_user(session, "Ana")
        costs = [await _ask(session, ana, "Was kostet das?") for _ in range(3)]
        await _ask(session, ana, "Wie lange dauert eine Beratung?")
        unsure = await _ask(session, ana, "Wie ist das Wetter morgen?")
        await _ask(session, ana, "Wir möchten eine Beratung")  # a wish: led into the intake
        await _ask(session, ana, "Was kostet das?", days_ago=40)  # outside the period
        assert await questions.give_feedback(session, costs[0], "costs", Feedback.HELPFUL)
        assert await questions.give_feedback(session, costs[1], "costs", Feedback.NOT_HELPFUL)
        assert await questions.hand_over(session, unsure)
        assert await questions.hand_over(session, costs[1])
        coordinator = await add_user(session, "Clara", [Role.COORDINATOR])
        assert (await questions.start_reply(session, costs[1].id, coordinator.id)).claim is Claim.CLAIMED
        assert await questions.record_answer(session, costs[1], coordinator.id, "Nichts.")

        stats = await question_stats(session, NOW - timedelta(days=30), NOW + timedelta(seconds=1))
    assert (stats.asked, stats.intake_wishes, stats.confident, stats.not_confident) == (6, 1, 4, 1)
    assert (stats.helpful, stats.not_helpful) == (1, 1)
    assert stats.failed == 2  # the weather (not confident) and the costs marked not helpful
    assert stats.failure_rate == 2 / 5
    assert (stats.handed_over, stats.answered_by_coordinators, stats.open_handovers) == (2, 1, 1)
    assert stats.top_entries == (EntryCount("costs", 3, 1), EntryCount("duration", 1, 0))


async def test_question_stats_of_an_empty_period(database_url: str) -> None:
    async with migrated(database_url) as db, db.transaction() as session:
        stats = await question_stats(session, NOW - timedelta(days=7), NOW)
    assert stats.asked == 0 and stats.failure_rate == 0.0 and stats.top_entries == ()


async def test_claims_are_compare_and_set(database_url: str) -> None:
    async with migrated(database_url) as db, db.transaction() as session:
        ana = await add_user(session, "Ana")
        clara = await add_user(session, "Clara", [Role.COORDINATOR])
        cem = await add_user(session, "Cem", [Role.COORDINATOR])
        first = await _ask(session, ana, "Wie ist das Wetter morgen?")
        second = await _ask(session, ana, "Gibt es Geld für Reisekosten?")
        assert (await questions.start_reply(session, first.id, clara.id)).claim is Claim.NOT_OPEN
        assert await questions.hand_over(session, first) and not await questions.hand_over(session, first)
        assert await questions.hand_over(session, second)
        assert (await questions.start_reply(session, first.id, clara.id)).claim is Claim.CLAIMED
        assert (await questions.start_reply(session, first.id, cem.id)).claim is Claim.BUSY
        # One answer at a time: claiming the second question gives the first back.
        assert (await questions.start_reply(session, second.id, clara.id)).claim is Claim.CLAIMED
        pending = await questions.pending_reply(session, clara.id)
        assert pending is not None and pending.id == second.id
        assert (await questions.start_reply(session, first.id, cem.id)).claim is Claim.CLAIMED
        # Cem answers the second question under Clara's nose only after her claim lapsed.
        assert not await questions.record_answer(session, second, cem.id, "Nein.")
        second.reply_started_at = NOW - timedelta(hours=2)
        await session.flush()
        taken = await questions.start_reply(session, second.id, cem.id)
        assert taken.claim is Claim.TAKEN_OVER and taken.previous_id == clara.id
        assert not await questions.record_answer(session, second, clara.id, "Ja.")
        assert await questions.record_answer(session, second, cem.id, "Nein.")
        assert (await questions.start_reply(session, second.id, clara.id)).claim is Claim.ANSWERED
        stored = await session.scalar(select(Question).where(Question.id == second.id))
        assert stored is not None and stored.status == QuestionStatus.ANSWERED
        assert (stored.answered_by_id, stored.answer_text) == (cem.id, "Nein.")


async def test_forgetting_a_user_keeps_anonymous_rows(database_url: str) -> None:
    async with migrated(database_url) as db, db.transaction() as session:
        ana = await add_user(session, "Ana")
        question = await _ask(session, ana, "Was kostet das?")
        assert await questions.forget_user(session, ana.id) == 1
        await session.refresh(question)
    assert (question.user_id, question.text, question.entry_id) == (None, "", "costs")
