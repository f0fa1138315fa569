"""The flood guard: a person's burst is handled, the rest dropped with one notice, others unaffected."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.runtime.flood import FloodGuard, Verdict, notice_text, sender_id
from models import InboxUpdate, OutboxMessage
from tests.harness import Harness, bot_harness
from tests.transactions import recorded_statements

NOTICE_DE = (
    "Bitte etwas langsamer: Sie haben sehr viele Nachrichten in kurzer Zeit geschickt. "
    "Wir beantworten Ihre Nachrichten spätestens in einer Minute wieder."
)
NOTICE_EN = (
    "Please slow down: you have sent very many messages in a short time. "
    "We will answer your messages again within a minute."
)

# How the guard asks which senders are coordinators.
ROLE_LOOKUP = "SELECT users.telegram_id \nFROM users JOIN user_roles"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_bucket_allows_the_burst_then_one_notice_then_silence_until_refilled() -> None:
    clock = Clock()
    guard = FloodGuard(burst=20, rate_per_second=1.0, clock=clock)
    verdicts = [guard.check(7) for _ in range(60)]
    assert verdicts.count(Verdict.HANDLE) == 20 and verdicts[:20] == [Verdict.HANDLE] * 20
    assert verdicts[20] is Verdict.NOTIFY and set(verdicts[21:]) == {Verdict.DROP}
    assert guard.check(8) is Verdict.HANDLE  # someone else, in the same moment
    clock.now += 19.0
    assert guard.check(7) is Verdict.DROP  # still quiet: the bucket is not full yet
    clock.now += 1.0
    assert [guard.check(7) for _ in range(20)] == [Verdict.HANDLE] * 20
    assert guard.check(7) is Verdict.NOTIFY  # a new flood gets a new notice


def test_a_steady_pace_within_the_rate_is_never_limited() -> None:
    clock = Clock()
    guard = FloodGuard(burst=5, rate_per_second=1.0, clock=clock)
    for _ in range(200):
        assert guard.check(7) is Verdict.HANDLE
        clock.now += 1.0


def test_coordinators_get_three_times_the_allowance() -> None:
    guard = FloodGuard(burst=20, rate_per_second=1.0, clock=Clock())
    verdicts = [guard.check(900, privileged=True) for _ in range(61)]
    assert verdicts[:60] == [Verdict.HANDLE] * 60 and verdicts[60] is Verdict.NOTIFY


def test_only_a_sender_whose_ordinary_allowance_might_not_do_needs_their_role_looked_up() -> None:
    clock = Clock()
    guard = FloodGuard(burst=5, rate_per_second=1.0, clock=clock)
    assert guard.surely_handles(7, 5) and not guard.surely_handles(7, 6)  # someone new
    for _ in range(4):
        guard.check(7)
    assert guard.surely_handles(7, 1) and not guard.surely_handles(7, 2)
    clock.now += 1.0
    assert guard.surely_handles(7, 2)  # refilled meanwhile
    guard.check(8, privileged=True)
    assert not guard.surely_handles(8, 1)  # a coordinator's larger bucket: their role may be gone
    for _ in range(6):
        guard.check(9)
    clock.now += 3.0
    assert not guard.surely_handles(9, 1)  # muted: the guard stays quiet until refilled


def test_a_coordinator_first_counted_as_ordinary_gets_the_difference_once_it_matters() -> None:
    guard = FloodGuard(burst=20, rate_per_second=1.0, clock=Clock())
    verdicts = [guard.check(900) for _ in range(10)]  # their role not looked up yet
    verdicts += [guard.check(900, privileged=True) for _ in range(51)]
    assert verdicts[:60] == [Verdict.HANDLE] * 60 and verdicts[60] is Verdict.NOTIFY


def test_the_notice_is_true_to_how_long_the_guard_stays_quiet() -> None:
    assert notice_text("de", 20) == NOTICE_DE
    assert notice_text("en", 60) == NOTICE_EN
    assert "within 3 minutes" in notice_text("en", 150)
    assert "spätestens in 3 Minuten" in notice_text("de", 150)


def test_the_sender_of_a_raw_update() -> None:
    assert sender_id({"update_id": 1, "message": {"from": {"id": 5, "is_bot": False}}}) == 5
    assert sender_id({"update_id": 1, "callback_query": {"from": {"id": 6}}}) == 6
    assert sender_id({"update_id": 1, "channel_post": {"chat": {"id": -1}}}) is None
    assert sender_id({"update_id": 1, "message": {"from": {"id": 5, "is_bot": True}}}) is None
    assert sender_id({"update_id": 1, "message": "broken"}) is None


@pytest.fixture
async def guarded(database_url: str) -> AsyncIterator[tuple[Harness, Clock]]:
    clock = Clock()
    async with bot_harness(
        database_url, coordinator_ids="900", flood_burst=20, flood_rate_per_second=1.0
    ) as h:
        h.runtime.flood_guard.clock = clock
        yield h, clock


def _help(update_id: int, user_id: int, lang: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "F"},
            "from": {"id": user_id, "is_bot": False, "first_name": "F", "language_code": lang},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


async def _replies(h: Harness, chat_id: int) -> list[str]:
    async with h.runtime.db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)
        )
        return [str(r.payload.get("text", "")) for r in rows]


async def _handled(h: Harness) -> dict[int, str | None]:
    async with h.runtime.db.transaction() as session:
        rows = await session.execute(select(InboxUpdate.update_id, InboxUpdate.error))
        return {int(update_id): error for update_id, error in rows.tuples().all()}


@pytest.mark.parametrize(("lang", "notice"), [("de", NOTICE_DE), ("en", NOTICE_EN)])
async def test_sixty_quick_updates_get_the_burst_answered_and_one_notice(
    guarded: tuple[Harness, Clock], lang: str, notice: str
) -> None:
    h, clock = guarded
    flood = [_help(n, 301, lang) for n in range(1, 61)]
    other = _help(100, 302, "de")
    items = await h.runtime.accept([*flood[:30], other, *flood[30:]])
    await h.runtime.dispatcher.join()
    assert len(items) == 61  # every update is stored, so a repeat is still recognised
    replies = await _replies(h, 301)
    assert replies.count(notice) == 1
    answered = [r for r in replies if r != notice]
    assert len(answered) == 20 and all(
        "<b>So helfen wir Ihnen</b>" in r or "<b>How we can help</b>" in r for r in answered
    )
    handled = await _handled(h)
    assert sum(1 for n in range(1, 61) if handled[n] == "dropped by the flood guard") == 40
    # The other person, in the very same batch, is answered as usual.
    assert ["<b>So helfen wir Ihnen</b>" in r for r in await _replies(h, 302)] == [True]
    # A dropped update delivered again is not taken for a new one.
    assert await h.runtime.accept([flood[-1]]) == []
    # More updates while the guard is quiet: silence, no second notice.
    clock.now += 10
    await h.runtime.accept([_help(n, 301, lang) for n in range(61, 66)])
    await h.runtime.dispatcher.join()
    assert len(await _replies(h, 301)) == 21
    # Once the allowance has refilled, the person is answered again.
    clock.now += 10
    await h.runtime.accept([_help(70, 301, lang)])
    await h.runtime.dispatcher.join()
    replies = await _replies(h, 301)
    assert len(replies) == 22 and replies[-1] != notice and replies.count(notice) == 1


async def test_a_coordinator_has_a_higher_limit(guarded: tuple[Harness, Clock]) -> None:
    h, _clock = guarded
    await h.runtime.accept([_help(1, 900, "en")])  # known, and a coordinator from the settings
    await h.runtime.dispatcher.join()
    await h.runtime.accept([_help(n, 900, "en") for n in range(2, 70)])
    await h.runtime.dispatcher.join()
    replies = await _replies(h, 900)
    assert replies.count(NOTICE_EN) == 1
    assert len([r for r in replies if "<b>How we can help</b>" in r]) == 60


async def test_an_ordinary_pace_asks_the_database_for_no_roles(guarded: tuple[Harness, Clock]) -> None:
    h, _clock = guarded
    with recorded_statements(h.runtime.db) as statements:
        await h.runtime.accept([_help(1, 304, "de")])
        await h.runtime.accept([_help(n, 304, "de") for n in range(2, 10)])
        await h.runtime.dispatcher.join()
    assert not [s for s in statements if s.startswith(ROLE_LOOKUP)]
    assert len(await _replies(h, 304)) == 9
    with recorded_statements(h.runtime.db) as statements:
        await h.runtime.accept([_help(n, 304, "de") for n in range(10, 30)])  # more than 20 at once
        await h.runtime.dispatcher.join()
    assert len([s for s in statements if s.startswith(ROLE_LOOKUP)]) == 1
    assert (await _replies(h, 304)).count(NOTICE_DE) == 1


async def test_the_guard_stays_silent_in_groups(guarded: tuple[Harness, Clock]) -> None:
    h, _clock = guarded
    updates = [_help(n, 303, "de") for n in range(1, 31)]
    for update in updates:
        update["message"]["chat"] = {"id": -5005, "type": "group", "title": "Rathaus"}
    await h.runtime.accept(updates)
    await h.runtime.dispatcher.join()
    replies = await _replies(h, -5005) + await _replies(h, 303)
    assert NOTICE_DE not in replies
    handled = await _handled(h)
    assert sum(1 for n in range(1, 31) if handled[n] == "dropped by the flood guard") == 10
