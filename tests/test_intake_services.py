"""The intake's services without Telegram: reference numbers under concurrency, compare-and-set,
exactly-once submission, and the reminder/expiry sweep of abandoned drafts."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.services import intake, requests
from bot.services.draft_sweep import sweep_drafts
from bot.services.intake import DraftTiming
from models import IntakeStep, OutboxMessage, User, utcnow
from tests.harness import Harness, TelegramUser
from tests.intake_helpers import draft_of, requests_of, walk_to

TIMING = DraftTiming(timedelta(hours=24), timedelta(days=14))


async def _user_id(harness: Harness, telegram_id: int) -> int:
    await harness.text(TelegramUser(telegram_id, "A", "en"), "/start")
    async with harness.runtime.db.transaction() as session:
        user_id = await session.scalar(select(User.id).where(User.telegram_id == telegram_id))
    assert user_id is not None
    return user_id


async def test_reference_numbers_are_unique_and_consecutive_under_concurrency(harness: Harness) -> None:
    db = harness.runtime.db

    async def one() -> str:
        async with db.transaction() as session:
            reference = await requests.next_reference(session, 2031)
            await asyncio.sleep(0.01)  # hold the transaction open while others try
            return reference

    references = await asyncio.gather(*(one() for _ in range(12)))
    assert sorted(references) == [f"MG-2031-{n:04d}" for n in range(1, 13)]
    async with db.transaction() as session:
        assert await requests.next_reference(session, 2032) == "MG-2032-0001"
        assert await requests.next_reference(session, 2031) == "MG-2031-0013"


async def test_a_change_based_on_a_stale_read_is_refused(harness: Harness) -> None:
    user_id = await _user_id(harness, 900_001)
    db = harness.runtime.db
    async with db.transaction() as session:
        await intake.start(session, user_id, TIMING)
    async with db.transaction() as session:
        stale = await intake.get_draft(session, user_id)
    async with db.transaction() as session:
        fresh = await intake.get_draft(session, user_id)
        assert fresh is not None and await intake.change(session, fresh, TIMING, step=IntakeStep.NAME)
    async with db.transaction() as session:
        assert stale is not None
        session.add(stale)
        assert not await intake.change(session, stale, TIMING, step=IntakeStep.ROLE)
        assert not await intake.discard(session, stale)
    async with db.transaction() as session:
        current = await intake.get_draft(session, user_id)
        assert current is not None and current.step == "name" and current.revision == 1


async def test_two_submits_of_the_same_draft_make_one_request(harness: Harness) -> None:
    user = TelegramUser(900_002, "A", "en")
    await walk_to(harness, user, IntakeStep.SUMMARY)
    db = harness.runtime.db
    draft = await draft_of(harness, user.id)
    assert draft is not None
    copies = []
    for _ in range(2):  # two workers read the same draft before either submits
        async with db.transaction() as session:
            copies.append(await intake.get_draft(session, draft.user_id))
    results = []
    for copy in copies:
        async with db.transaction() as session:
            assert copy is not None
            session.add(copy)
            results.append(await intake.submit(session, copy, "en", 2030))
    assert results[0] is not None and results[1] is None
    assert len(await requests_of(harness, user.id)) == 1


async def test_starting_twice_keeps_one_draft(harness: Harness) -> None:
    user_id = await _user_id(harness, 900_003)
    async with harness.runtime.db.transaction() as session:
        first = await intake.start(session, user_id, TIMING)
        await intake.change(session, first, TIMING, step=IntakeStep.NAME)
        second = await intake.start(session, user_id, TIMING)
        assert second.id == first.id and second.step == "name"


async def _outbox_texts(harness: Harness, chat_id: int) -> list[str]:
    async with harness.runtime.db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)
        )
        return [r.payload["text"] for r in rows if r.inbox_id is None]


async def test_an_abandoned_draft_gets_one_reminder_then_expires(harness: Harness) -> None:
    user = TelegramUser(900_004, "A", "de")
    await walk_to(harness, user, IntakeStep.EMAIL)
    runtime = harness.runtime
    now = utcnow()
    assert await sweep_drafts(runtime.db, runtime.settings, now + timedelta(hours=23)) == ""
    assert (
        await sweep_drafts(runtime.db, runtime.settings, now + timedelta(hours=25)) == "1 reminded, 0 expired"
    )
    assert await sweep_drafts(runtime.db, runtime.settings, now + timedelta(hours=30)) == ""
    [reminder] = await _outbox_texts(harness, user.id)
    assert "Schritt 4 von 10" in reminder and "/anfrage" in reminder
    result = await sweep_drafts(runtime.db, runtime.settings, now + timedelta(days=14, minutes=1))
    assert result == "0 reminded, 1 expired"
    assert await draft_of(harness, user.id) is None
    reminder, expired = await _outbox_texts(harness, user.id)
    assert "14 Tagen" in expired and "gelöscht" in expired
    assert await sweep_drafts(runtime.db, runtime.settings, now + timedelta(days=30)) == ""


async def test_activity_postpones_the_reminder_and_the_expiry(harness: Harness) -> None:
    user = TelegramUser(900_005, "A", "en")
    await walk_to(harness, user, IntakeStep.NAME)
    first = await draft_of(harness, user.id)
    await harness.text(user, "Ana Müller")
    second = await draft_of(harness, user.id)
    assert first is not None and second is not None
    assert second.expires_at >= first.expires_at and second.remind_at is not None
    assert second.remind_at >= first.remind_at  # type: ignore[operator]


async def test_a_reminded_draft_is_not_reminded_again_after_activity(harness: Harness) -> None:
    user = TelegramUser(900_006, "A", "en")
    await walk_to(harness, user, IntakeStep.NAME)
    runtime = harness.runtime
    await sweep_drafts(runtime.db, runtime.settings, utcnow() + timedelta(hours=25))
    await harness.text(user, "Ana Müller")
    draft = await draft_of(harness, user.id)
    assert draft is not None and draft.reminded_at is not None and draft.remind_at is None
    assert await sweep_drafts(runtime.db, runtime.settings, utcnow() + timedelta(days=3)) == ""


async def test_the_sweep_is_scheduled_with_the_runtime(harness: Harness) -> None:
    names = [sweep.name for sweep in harness.runtime.sweeps()]
    assert "remind-and-expire-intake-drafts" in names


async def test_reminder_and_retention_follow_the_settings(database_url: str) -> None:
    from tests.harness import bot_harness

    async with bot_harness(database_url, draft_reminder_hours=2, draft_retention_days=3) as harness:
        user = TelegramUser(900_007, "A", "en")
        await walk_to(harness, user, IntakeStep.NAME)
        [paused] = await harness.text(user, "/later")
        assert "kept for 3 days" in paused.text
        runtime = harness.runtime
        assert (
            await sweep_drafts(runtime.db, runtime.settings, utcnow() + timedelta(hours=3))
            == "1 reminded, 0 expired"
        )
        assert await sweep_drafts(runtime.db, runtime.settings, utcnow() + timedelta(days=3, hours=1)) == (
            "0 reminded, 1 expired"
        )
