"""Sweeps run in one process at a time on PostgreSQL (an advisory lock per sweep); SQLite just runs them."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.db import Database
from bot.runtime.sweeper import Sweep, run_once
from bot.services.draft_sweep import sweep_drafts
from models import IntakeStep, OutboxMessage, utcnow
from tests.harness import Harness, TelegramUser
from tests.intake_helpers import walk_to


def _slow_sweep(name: str, runs: list[str], once: bool = True) -> Sweep:
    """A sweep that takes a while and notes each run, so overlapping runs would show."""

    async def run() -> str:
        runs.append(name)
        await asyncio.sleep(0.3)
        return "done"

    return Sweep(name, 1.0, run, once=once)


async def test_two_processes_run_the_same_sweep_only_once_at_a_time(database_url: str) -> None:
    first, second = Database(database_url), Database(database_url)
    try:
        runs: list[str] = []
        sweep = _slow_sweep("offer-cascade", runs)
        results = await asyncio.gather(run_once(sweep, first), run_once(sweep, second))
        if first.is_sqlite:
            # One process per SQLite file: nothing to coordinate, both calls run.
            assert [ran for ran, _ in results] == [True, True]
            return
        assert sorted(ran for ran, _ in results) == [False, True]
        assert runs == ["offer-cascade"]
        # The lock ends with the run: the next interval runs in whichever process comes first.
        assert (await run_once(sweep, second))[0] and (await run_once(sweep, first))[0]
        # Different sweeps do not hold each other up, and per-process work is never skipped.
        runs.clear()
        other = _slow_sweep("broadcasts", runs)
        local = _slow_sweep("wake-sender-for-due-retries", runs, once=False)
        results = await asyncio.gather(
            run_once(sweep, first), run_once(other, second), run_once(local, first), run_once(local, second)
        )
        assert all(ran for ran, _ in results)
        assert sorted(runs) == ["broadcasts", "offer-cascade"] + ["wake-sender-for-due-retries"] * 2
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_lock_holder_that_dies_frees_the_sweep(database_url: str) -> None:
    first, second = Database(database_url), Database(database_url)
    try:
        runs: list[str] = []
        sweep = _slow_sweep("privacy-retention", runs)
        holder = asyncio.create_task(run_once(sweep, first))
        await asyncio.sleep(0.1)
        # PostgreSQL: the running holder's lock makes the other process skip. SQLite has one
        # process per file, so there is nothing to hold and the run goes ahead.
        assert (await run_once(sweep, second))[0] is first.is_sqlite
        holder.cancel()  # the process is gone mid-sweep: its connection and lock go with it
        await asyncio.gather(holder, return_exceptions=True)
        await first.dispose()
        assert (await run_once(sweep, second))[0] is True
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_due_draft_reminder_goes_out_once_with_two_sweeping_processes(harness: Harness) -> None:
    user = TelegramUser(1700, "A", "de")
    await walk_to(harness, user, IntakeStep.EMAIL)
    settings, later = harness.runtime.settings, utcnow() + timedelta(hours=25)
    other = Database(settings.database_url)
    try:

        async def remind(db: Database) -> str:
            summary = await sweep_drafts(db, settings, later)
            await asyncio.sleep(0.3)  # a longer sweep, so that the two runs surely overlap
            return summary

        sweeps = [
            Sweep("remind-and-expire-intake-drafts", 30.0, lambda db=db: remind(db))
            for db in (harness.runtime.db, other)
        ]
        results = await asyncio.gather(run_once(sweeps[0], harness.runtime.db), run_once(sweeps[1], other))
        if not other.is_sqlite:
            assert sorted(ran for ran, _ in results) == [False, True]
    finally:
        await other.dispose()
    async with harness.runtime.db.transaction() as session:
        reminders = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.chat_id == user.id, OutboxMessage.inbox_id.is_(None))
        )
    assert reminders == 1
