"""One send budget for every process on PostgreSQL; local pacing when the database cannot be asked."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db import Database
from bot.runtime.rate_limit import SendRateLimiter
from bot.runtime.send_budget import ClockOffset, SharedBudget
from models import OutboxLane

RATE = 10


def _busiest_second(stamps: list[float]) -> int:
    """The most calls within any one second that starts at a call."""
    stamps = sorted(stamps)
    return max(sum(1 for s in stamps[i:] if s - start < 1.0) for i, start in enumerate(stamps))


async def _send(limiter: SendRateLimiter, chats: range, lane: OutboxLane, stamps: list[float]) -> None:
    """Acquire a slot for each chat at once, noting when each was given."""

    async def one(chat: int) -> None:
        """One send's turn."""
        await limiter.acquire(chat, lane)
        stamps.append(time.monotonic())

    await asyncio.gather(*(one(chat) for chat in chats))


async def test_two_processes_together_keep_the_rate(postgres_url: str) -> None:
    first, second = Database(postgres_url), Database(postgres_url)
    limiters = [SendRateLimiter.for_database(db, RATE, 300) for db in (first, second)]
    stamps: list[list[float]] = [[], []]
    try:
        await asyncio.gather(
            _send(limiters[0], range(1000, 1018), OutboxLane.BULK, stamps[0]),
            _send(limiters[1], range(2000, 2018), OutboxLane.INTERACTIVE, stamps[1]),
        )
    finally:
        for limiter in limiters:
            await limiter.close()
        await first.dispose()
        await second.dispose()
    both = stamps[0] + stamps[1]
    # Each process alone would send RATE a second; together they still send no more.
    assert _busiest_second(both) <= RATE + 1
    # Both had their turns all along (slots are taken in turn, not one process first).
    assert min(stamps[1]) < max(stamps[0]) and min(stamps[0]) < max(stamps[1])


async def test_a_429_in_one_process_pauses_the_other(postgres_url: str) -> None:
    first, second = Database(postgres_url), Database(postgres_url)
    hit, other = (SendRateLimiter.for_database(db, RATE, 300) for db in (first, second))
    try:
        await hit.acquire(1, OutboxLane.BULK)
        hit.throttled(1, OutboxLane.BULK, 1.0)
        await asyncio.gather(*hit._background)  # the pause is in the shared row
        before = time.monotonic()
        await other.acquire(2, OutboxLane.BULK)
        assert time.monotonic() - before >= 0.9
        # Replies never wait for the budget.
        before = time.monotonic()
        hit.throttled(3, OutboxLane.BULK, 5.0)
        await other.acquire(4, OutboxLane.REPLY)
        assert time.monotonic() - before < 1.0
    finally:
        for limiter in (hit, other):
            await limiter.close()
        await first.dispose()
        await second.dispose()


async def test_a_budget_that_cannot_be_reached_falls_back_to_local_pacing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    unreachable = Database("postgresql+asyncpg://postgres@127.0.0.1:9/nowhere")
    limiter = SendRateLimiter.for_database(unreachable, RATE, 300)
    stamps: list[float] = []
    try:
        with caplog.at_level(logging.WARNING, logger="bot.runtime.send_budget"):
            await _send(limiter, range(1000, 1016), OutboxLane.BULK, stamps)
    finally:
        await limiter.close()
        await unreachable.dispose()
    # Sending went on, paced at the configured rate, and the outage was said once.
    assert len(stamps) == 16 and _busiest_second(stamps) <= RATE
    assert max(stamps) - min(stamps) >= 15 / RATE * 0.95
    outage = [r for r in caplog.records if "shared send budget" in r.getMessage()]
    assert len(outage) == 1


async def test_sqlite_paces_in_the_process(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}")
    try:
        assert SendRateLimiter.for_database(db, RATE, 300)._shared is None
    finally:
        await db.dispose()


def test_the_offset_kept_is_the_most_certain_reading() -> None:
    clock = ClockOffset()
    clock.sample(sent=10.000, received=10.002, remote=1_000.001)  # a quick answer
    assert clock.local(1_000.5) == pytest.approx(10.5)
    # An answer that reached a busy process 0.3 s late says little and changes nothing ...
    clock.sample(sent=11.000, received=11.300, remote=1_001.001)
    assert clock.local(1_000.5) == pytest.approx(10.5)
    # ... unless the kept reading has aged past it (the clocks may drift apart).
    clock.sample(sent=400.000, received=400.300, remote=1_390.101)
    assert clock.local(1_390.101) == pytest.approx(400.15)


async def test_a_slot_answered_late_keeps_its_time_on_the_database_clock(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(postgres_url)
    budget = SharedBudget(db, name="late-answer")
    delay = 0.0
    execute = AsyncConnection.execute

    async def late(self: AsyncConnection, *args: object, **kwargs: object) -> object:
        """The statement ran at once; its answer reaches this process ``delay`` later."""
        result = await execute(self, *args, **kwargs)  # type: ignore[arg-type]
        await asyncio.sleep(delay)
        return result

    monkeypatch.setattr(AsyncConnection, "execute", late)
    try:
        assert await budget.reserve(0.01) is not None  # connected; a quick reading of the clock
        await asyncio.sleep(0.5)  # the budget is idle again: the next slot is "now"
        delay = 0.3
        asked = time.monotonic()
        slot = await budget.reserve(0.01)
        answered = time.monotonic()
    finally:
        await budget.close()
        await db.dispose()
    # The slot is when the database handed it out, not when its answer arrived: a send waiting
    # for it sees that it is 0.3 s late rather than going out beside later slots.
    assert slot is not None and answered - asked >= 0.3
    assert slot - asked < 0.15
