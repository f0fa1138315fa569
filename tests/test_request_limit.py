"""Issue 12, flood guard for the intake: a long text Telegram split into several messages is never
saved piecemeal, and a contact may send at most MAX_REQUESTS_PER_DAY requests in 24 hours
(coordinators exempt), told politely when the next one is possible and how to reach the team."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from bot import i18n
from bot.services import users
from models import IntakeStep, KickoffRequest, utcnow
from tests.harness import Harness, Sent, TelegramUser, bot_harness
from tests.intake_helpers import AGREE, draft_of, last, requests_of, tap, walk_to
from tests.matching_chat_helpers import COORDINATOR
from tests.matching_helpers import add_request

ANNA = TelegramUser(620, "Anna", "de")
JOHN = TelegramUser(621, "John", "en")


@pytest.fixture
async def harness(database_url: str) -> AsyncIterator[Harness]:
    """The bot with a limit of three requests a day (the default is higher)."""
    async with bot_harness(database_url, coordinator_ids="900", max_requests_per_day=3) as h:
        yield h


async def _sent_at(h: Harness, user: TelegramUser, text: str, date: int) -> list[Sent]:
    """``user`` sends ``text`` with Telegram's timestamp ``date`` (seconds), as a split text has."""
    return await h.feed({"message": {**h._message(user, text=text), "date": date}})


# --- a long text split by Telegram ---------------------------------------------------------------


async def test_the_rest_of_a_split_goals_text_is_refused_not_saved(harness: Harness) -> None:
    h = harness
    await walk_to(h, JOHN, IntakeStep.GOALS)
    now = int(time.time())
    [first] = await _sent_at(h, JOHN, "We want " + "a" * 4088, now)  # Telegram's first part: 4,096
    assert "too long" in first.text
    [rest] = await _sent_at(h, JOHN, "and that is all.", now + 1)  # the tail, a second later
    assert "rest of your previous message" in rest.text and "at most 1000 characters" in rest.text
    assert "Step 8 of 10" in rest.text
    [third] = await _sent_at(h, JOHN, "really.", now + 3)  # a third part follows the second
    assert "rest of your previous message" in third.text
    draft = await draft_of(h, JOHN.id)
    assert draft is not None and draft.step == IntakeStep.GOALS and "goals" not in draft.answers

    # A real answer, written after reading the refusal, is taken.
    [saved, *_] = await _sent_at(h, JOHN, "We want to open our Fair Week.", now + 20)
    assert "Saved: We want to open our Fair Week." in saved.text
    draft = await draft_of(h, JOHN.id)
    assert draft is not None and draft.answers["goals"] == "We want to open our Fair Week."
    assert draft.step == IntakeStep.TIMES


async def test_a_split_name_is_refused_in_german_and_a_later_answer_taken(harness: Harness) -> None:
    h = harness
    await walk_to(h, ANNA, IntakeStep.NAME)
    now = int(time.time())
    [first] = await _sent_at(h, ANNA, "Anna " * 820, now)
    assert "zu lang" in first.text
    [rest] = await _sent_at(h, ANNA, "Anna Schmidt", now + 2)
    assert "Rest Ihrer vorigen Nachricht" in rest.text and "höchstens 100 Zeichen" in rest.text
    draft = await draft_of(h, ANNA.id)
    assert draft is not None and "name" not in draft.answers
    # More than five seconds after the last refused part, a message is an answer of its own; being
    # so soon after a refusal, it is shown back whole with "✏️ Ersetzen".
    [saved, *_] = await _sent_at(h, ANNA, "Anna Schmidt", now + 8)
    assert "Gespeichert: Anna Schmidt" in saved.text and "ganzer Text" in saved.text
    assert any("Ersetzen" in label for label, _data in saved.buttons)
    draft = await draft_of(h, ANNA.id)
    assert draft is not None and draft.answers["name"] == "Anna Schmidt" and draft.step == IntakeStep.ROLE


async def test_a_quick_answer_after_a_valid_one_is_not_taken_for_a_tail(harness: Harness) -> None:
    h = harness
    await walk_to(h, JOHN, IntakeStep.NAME)
    now = int(time.time())
    await _sent_at(h, JOHN, "John Smith", now)
    [role, *_] = await _sent_at(h, JOHN, "Mayor's office", now)  # nothing was refused: no tail
    assert "Saved: Mayor" in role.text


# --- requests per contact per day ----------------------------------------------------------------


async def _seed(h: Harness, person: TelegramUser, ages_in_hours: list[float]) -> list[datetime]:
    """Requests of ``person`` sent that many hours ago; their creation times."""
    now = utcnow()
    times = [now - timedelta(hours=age) for age in ages_in_hours]
    async with h.runtime.db.transaction() as session:
        user = await users.get_by_telegram_id(session, person.id)
        assert user is not None
        for created in times:
            await add_request(session, user, now=created)
    return times


def _when(h: Harness, moment: datetime, locale: str) -> str:
    return i18n.format_datetime(moment, locale, h.runtime.settings.tz, "short")


async def test_a_fourth_request_in_a_day_is_refused_in_english(harness: Harness) -> None:
    h = harness
    await h.text(JOHN, "/start")
    times = await _seed(h, JOHN, [20, 5, 1])
    [refusal] = await h.text(JOHN, "/request")
    assert "already sent 3 requests in the last 24 hours" in refusal.text
    assert f"next request from {_when(h, times[0] + timedelta(hours=24), 'en')}" in refusal.text
    assert "Contact outside Telegram: miglobe@example.org" in refusal.text
    assert "Send request" not in refusal.text  # no draft was kept, so nothing to send later
    # An older consent notice agreed to now stores nothing either.
    [again] = await h.press(JOHN, AGREE)
    assert "already sent 3 requests" in again.text
    assert await draft_of(h, JOHN.id) is None


async def test_the_third_request_is_sent_and_a_fourth_refused_in_german(harness: Harness) -> None:
    h = harness
    summary = await walk_to(h, ANNA, IntakeStep.SUMMARY)
    await _seed(h, ANNA, [23, 2])
    sent = await tap(h, ANNA, summary, "📨")  # the third of the day: allowed
    assert "Vielen Dank" in sent[0].text
    # A fourth: starting is refused at once.
    [refusal] = await h.text(ANNA, "/anfrage")
    assert "bereits 3 Anfragen gesendet" in refusal.text and "Kontakt außerhalb von Telegram" in refusal.text
    assert len(await requests_of(h, ANNA.id)) == 3


async def test_a_draft_started_before_the_limit_is_kept_and_sent_later(harness: Harness) -> None:
    h = harness
    summary = await walk_to(h, ANNA, IntakeStep.SUMMARY)
    times = await _seed(h, ANNA, [22, 3, 1])
    [refusal] = await tap(h, ANNA, summary, "📨")
    assert "bereits 3 Anfragen gesendet" in refusal.text
    assert f"ab {_when(h, times[0] + timedelta(hours=24), 'de')}" in refusal.text
    assert "„📨 Anfrage senden“" in refusal.text and "Kontakt außerhalb von Telegram" in refusal.text
    assert len(await requests_of(h, ANNA.id)) == 3 and await draft_of(h, ANNA.id) is not None
    # /anfrage offers to continue the draft (it is not refused: the answers are kept).
    offer = last(await h.text(ANNA, "/anfrage"))
    assert "Weitermachen" in next(label for label, _d in offer.buttons)
    # A day later the oldest no longer counts, and the same summary sends.
    async with h.runtime.db.transaction() as session:
        await session.execute(
            update(KickoffRequest)
            .where(KickoffRequest.created_at <= times[0] + timedelta(seconds=1))
            .values(created_at=times[0] - timedelta(hours=3))
        )
    sent = await tap(h, ANNA, summary, "📨")
    assert "Vielen Dank" in sent[0].text and len(await requests_of(h, ANNA.id)) == 4


async def test_coordinators_are_exempt_and_the_limit_is_a_setting(database_url: str) -> None:
    async with bot_harness(database_url, coordinator_ids="900", max_requests_per_day=1) as h:
        await h.text(COORDINATOR, "/start")
        await _seed(h, COORDINATOR, [3, 2, 1])
        [consent] = await h.text(COORDINATOR, "/request")
        # Consent given with the earlier requests: confirmed in one line (tests/test_returning_consent.py).
        assert "You agreed to how we use your details" in consent.text
        await h.text(JOHN, "/start")
        await _seed(h, JOHN, [23.5])
        [refusal] = await h.text(JOHN, "/request")
        assert "already sent 1 request in the last 24 hours" in refusal.text
