"""Retention as /datenschutz promises it: every period shown comes from the configuration, and the
sweep anonymises ended requests and blanks old questions exactly after the configured days."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.services import retention
from models import KickoffRequest, Question, QuestionStatus, RequestStatus, utcnow
from tests.harness import Harness, TelegramUser, bot_harness
from tests.test_status import make_request


@pytest.fixture
async def harness(database_url: str) -> AsyncIterator[Harness]:
    """Periods that differ from every default, so the text must come from the settings."""
    settings = {
        "inbox_retention_days": 3,
        "outbox_retention_days": 4,
        "draft_retention_days": 5,
        "request_retention_days": 30,
        "question_retention_days": 7,
    }
    async with bot_harness(database_url, coordinator_ids="900", **settings) as h:
        yield h


async def test_the_privacy_notice_states_every_configured_period_in_german(harness: Harness) -> None:
    [notice] = await harness.text(TelegramUser(3001, "A", "de"), "/datenschutz")
    for line in (
        "Zeitpunkt und Status löschen wir nach 3 Tagen",
        "Den Inhalt unserer Nachrichten an Sie löschen wir, sobald sie zugestellt sind; Zeitpunkt und "
        "Status nach 4 Tagen",
        "Eine unfertige Anfrage löschen wir nach 5 Tagen ohne Aktivität",
        "Eine Anfrage anonymisieren wir 30 Tage nach ihrem Ende",
        "Ihre Fragen löschen wir nach 7 Tagen",
        "/meinedaten",
        "/loeschen",
    ):
        assert line in notice.text, line
    assert "14" not in notice.text and "182" not in notice.text


async def test_the_privacy_notice_and_the_consent_state_the_periods_in_english(harness: Harness) -> None:
    person = TelegramUser(3002, "A", "en")
    [notice] = await harness.text(person, "/privacy")
    assert "deleted after 3 days" in notice.text and "after 4 days" in notice.text
    assert "anonymised 30 days after it ends" in notice.text and "deleted after 7 days" in notice.text
    assert "/mydata" in notice.text and "/delete" in notice.text
    consent = (await harness.text(person, "/request"))[-1]
    assert "deleted after 5 days without activity" in consent.text
    assert "anonymised 30 days after it ends" in consent.text and "/delete" in consent.text


async def test_defaults_are_six_months_and_ninety_days(database_url: str) -> None:
    async with bot_harness(database_url) as h:
        [notice] = await h.text(TelegramUser(3003, "A", "en"), "/privacy")
    assert "anonymised 182 days after it ends" in notice.text and "deleted after 90 days" in notice.text
    assert "after 14 days without activity" in notice.text


async def _age_request(h: Harness, request_id: int, days: float, status: RequestStatus) -> None:
    async with h.runtime.db.transaction() as session:
        await session.execute(
            update(KickoffRequest)
            .where(KickoffRequest.id == request_id)
            .values(status=status, updated_at=utcnow() - timedelta(days=days))
        )


async def test_the_sweep_anonymises_ended_requests_after_the_configured_days(harness: Harness) -> None:
    h = harness
    person = TelegramUser(3004, "A", "de")
    old = await make_request(h, person)
    young = await make_request(h, person)
    running = await make_request(h, person)
    await _age_request(h, old.id, 31, RequestStatus.WITHDRAWN)
    await _age_request(h, young.id, 29, RequestStatus.CLOSED)
    await _age_request(h, running.id, 400, RequestStatus.SCHEDULED)
    assert await retention.sweep_retention(h.runtime.db, h.runtime.settings) == (
        "1 requests anonymised, 0 questions blanked"
    )
    assert await retention.sweep_retention(h.runtime.db, h.runtime.settings) == ""  # idempotent
    async with h.runtime.db.transaction() as session:
        rows = {r.id: r for r in await session.scalars(select(KickoffRequest))}
    assert (
        rows[old.id].anonymized_at is not None
        and rows[old.id].email == ""
        and rows[old.id].contact_name == ""
    )
    assert rows[old.id].contact_user_id is None and rows[old.id].place_name.startswith("Tübingen")
    assert rows[young.id].anonymized_at is None and rows[young.id].email == "ana@tuebingen.de"
    assert rows[running.id].anonymized_at is None
    # One more day and the younger one is due as well.
    later = utcnow() + timedelta(days=2)
    assert await retention.sweep_retention(h.runtime.db, h.runtime.settings, later) == (
        "1 requests anonymised, 0 questions blanked"
    )


async def test_the_sweep_blanks_old_questions_unless_a_person_still_has_to_answer(harness: Harness) -> None:
    h = harness
    person = TelegramUser(3005, "Quentin", "en")
    await h.text(person, "How much does the programme cost for a small town?")
    await h.text(person, "Can you send me a form for Quentin's town?")
    async with h.runtime.db.transaction() as session:
        first, second = list(await session.scalars(select(Question).order_by(Question.id)))
        first.created_at = second.created_at = utcnow() - timedelta(days=8)
        second.status = QuestionStatus.HANDED_OVER
    summary = await retention.sweep_retention(h.runtime.db, h.runtime.settings)
    assert summary == "0 requests anonymised, 1 questions blanked"
    async with h.runtime.db.transaction() as session:
        first, second = list(await session.scalars(select(Question).order_by(Question.id)))
    assert first.text == "" and first.user_id is None and first.intent  # the statistics keep the rest
    assert second.text.startswith("Can you send") and second.user_id is not None
    assert await retention.sweep_retention(h.runtime.db, h.runtime.settings) == ""
