"""Lanes from the outbox to the wire: which calls are replies, in what order rows are claimed, and
how the real sender treats a reply during a broadcast and a 429."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import select
from telegram.error import RetryAfter

from bot.db import Database
from bot.runtime import outbox, outbox_rows
from bot.runtime import sender as sender_module
from bot.runtime.rate_limit import SendRateLimiter
from bot.runtime.scope import UpdateScope, register, release
from bot.runtime.sender import OutboxSender
from models import OutboxLane, OutboxMessage, utcnow
from tests.harness import Harness, TelegramUser

REPLY, INTERACTIVE, BULK = OutboxLane.REPLY, OutboxLane.INTERACTIVE, OutboxLane.BULK


class _Session:
    """Collects what ``enqueue`` adds."""

    def __init__(self) -> None:
        self.rows: list[OutboxMessage] = []
        self.info: dict[str, object] = {}

    def add(self, row: OutboxMessage) -> None:
        """Keep ``row`` as a session would before flushing it."""
        self.rows.append(row)


def test_an_interactive_call_to_the_chat_being_answered_is_a_reply() -> None:
    session = _Session()
    scope = UpdateScope(session, None, None, "de", None, chat_key=42)  # type: ignore[arg-type]

    def lane(chat: int, asked: OutboxLane = INTERACTIVE) -> int:
        """The lane a text to ``chat`` queued with ``asked`` ends up in."""
        return outbox.enqueue_text(session, chat, "x", lane=asked).lane  # type: ignore[arg-type]

    assert lane(42) == INTERACTIVE  # no update being handled
    register(7, scope)
    try:
        assert lane(42) == REPLY
        assert lane(43) == INTERACTIVE  # a notice to someone else
        assert lane(42, BULK) == BULK  # a broadcast stays a broadcast
    finally:
        release(7)
    assert lane(42) == INTERACTIVE and outbox.replying_to_chat.get() is None


async def test_answers_to_a_persons_own_update_go_in_the_reply_lane(harness: Harness) -> None:
    await harness.text(TelegramUser(901, "Ada", "de"), "/start")
    async with harness.runtime.db.transaction() as session:
        lanes = list(await session.scalars(select(OutboxMessage.lane).where(OutboxMessage.chat_id == 901)))
    assert lanes and set(lanes) == {REPLY}


async def _rows(db: Database, *rows: tuple[int, OutboxLane]) -> list[int]:
    """Enqueue a text per ``(chat, lane)``; their ids."""
    async with db.transaction() as session:
        added = [outbox.enqueue_text(session, chat, "x", lane=lane) for chat, lane in rows]
        await session.flush()
        return [row.id for row in added]


async def test_claim_serves_replies_then_interactive_then_bulk_each_chat_in_order(database_url: str) -> None:
    db = Database(database_url)
    try:
        ids = await _rows(db, (1, BULK), (1, BULK), (2, INTERACTIVE), (4, BULK), (3, REPLY), (4, REPLY))
        first = await outbox_rows.claim(db, set(), room=3, bulk_room=3)
        assert list(first) == [3, 4, 2]  # the chats with a reply, oldest first, then interactive
        # Chat 4's broadcast message goes first, as written, taken along by the reply behind it.
        assert [(r.id, r.lane) for r in first[4]] == [(ids[3], REPLY), (ids[5], REPLY)]
        assert [r.lane for r in first[2]] == [INTERACTIVE]
        assert await outbox_rows.claim(db, {2, 3, 4}, room=3, bulk_room=0) == {}
        second = await outbox_rows.claim(db, {2, 3, 4}, room=3, bulk_room=1)
        assert [(r.id, r.lane) for r in second[1]] == [(ids[0], BULK), (ids[1], BULK)]
        async with db.transaction() as session:
            leased = await session.scalars(select(OutboxMessage.next_attempt_at))
            assert all(at > utcnow() for at in leased)
    finally:
        await db.dispose()


class _Telegram:
    """A Bot API that notes when each chat was called and answers 429 where told to."""

    def __init__(self, limited: dict[int, int] | None = None) -> None:
        """``limited``: chat -> retry_after of the 429 its first call gets."""
        self.calls: list[tuple[int, float]] = []
        self.limited = dict(limited or {})
        self.called = asyncio.Event()

    async def do_api_request(self, method: str, api_kwargs: dict[str, Any]) -> dict[str, Any]:
        """Note the call; answer 429 once for a limited chat, else a message id."""
        chat = api_kwargs["chat_id"]
        self.calls.append((chat, time.monotonic()))
        self.called.set()
        if chat in self.limited:
            raise RetryAfter(self.limited.pop(chat))
        return {"message_id": len(self.calls)}

    async def wait_for(self, chat: int) -> None:
        """Until ``chat`` was called."""
        while not any(c == chat for c, _ in self.calls):
            self.called.clear()
            await asyncio.wait_for(self.called.wait(), 10)


@asynccontextmanager
async def _sending(
    database_url: str, bot: _Telegram, limiter: SendRateLimiter
) -> AsyncIterator[OutboxSender]:
    """A running real sender on the test database, stopped afterwards."""
    db = Database(database_url)
    sender = OutboxSender(db, bot, limiter)  # type: ignore[arg-type]
    await sender.start()
    try:
        yield sender
    finally:
        await sender.stop(timeout=0.5)
        await db.dispose()


async def test_the_sender_does_not_hold_a_reply_behind_a_running_broadcast(database_url: str) -> None:
    bot = _Telegram()
    async with _sending(database_url, bot, SendRateLimiter(per_second=5, reply_per_second=300)) as sender:
        db = sender._db
        await _rows(db, *((1000 + n, BULK) for n in range(30)))
        sender.wake()
        await bot.wait_for(1000)
        await _rows(db, (7, REPLY))
        sender.wake()
        await bot.wait_for(7)
        # Claimed broadcast chats wait for their slots (one every 0.2 s); the reply did not.
        before_reply = [chat for chat, _ in bot.calls[: [c for c, _ in bot.calls].index(7)]]
        assert len(before_reply) <= 2


async def test_the_sender_pauses_what_a_429_was_about(database_url: str) -> None:
    bot = _Telegram(limited={1000: 1, 7: 2})
    limiter = SendRateLimiter(per_second=20, reply_per_second=300)
    async with _sending(database_url, bot, limiter) as sender:
        db = sender._db
        bulk_id, reply_id = await _rows(db, (1000, BULK), (7, REPLY))
        sender.wake()
        await bot.wait_for(1000)
        await bot.wait_for(7)
        await sender.stop(timeout=5)  # lets both finish recording what Telegram said
        now = time.monotonic()
        async with db.transaction() as session:
            rows = {r.id: r for r in await session.scalars(select(OutboxMessage))}
        # The budget waits retry_after and comes down; a reply's 429 lowers the reply ceiling.
        assert limiter.overall.paused_until > now + 0.5
        assert limiter.budget_ceiling.rate(now) < 16 and limiter.reply_ceiling.rate(now) < 226
        assert limiter.replies.paused_until <= now  # other people's replies go on
        # Both rows wait their retry_after, without counting it as a failed attempt.
        for row_id, seconds in ((bulk_id, 1), (reply_id, 2)):
            row = rows[row_id]
            assert row.status == "pending" and row.attempts == 0
            assert (row.next_attempt_at - utcnow()).total_seconds() > seconds - 0.5


class _Budget:
    """A shared budget that hands out every slot at once and counts them."""

    def __init__(self) -> None:
        self.reserved = 0

    async def reserve(self, spacing: float) -> float:
        """A slot due now."""
        self.reserved += 1
        return time.monotonic()

    async def pause(self, seconds: float) -> None:
        """Nothing to hold."""

    async def close(self) -> None:
        """Nothing to close."""


async def test_a_slot_outlasted_by_a_slow_check_is_taken_again(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broadcast copy that waited long asks whether it is still wanted; when a busy database
    makes that answer slow, its slot of the shared budget is past, and it takes a fresh one."""
    monkeypatch.setattr(sender_module, "LONG_WAIT_SECONDS", 0.0)
    checked = outbox_rows.still_pending

    async def slow(db: Database, row: outbox_rows.Claimed) -> bool:
        """The real check, answered 0.3 s late."""
        await asyncio.sleep(0.3)
        return await checked(db, row)

    monkeypatch.setattr(outbox_rows, "still_pending", slow)
    budget = _Budget()
    bot = _Telegram()
    limiter = SendRateLimiter(per_second=20, reply_per_second=300, shared=budget)  # type: ignore[arg-type]
    async with _sending(database_url, bot, limiter) as sender:
        await _rows(sender._db, (1000, BULK), (1001, BULK))
        sender.wake()
        await bot.wait_for(1000)
        await bot.wait_for(1001)
    assert len(bot.calls) == 2 and budget.reserved >= 4
