"""A sweep slower than its interval runs one at a time, and the ticks that come meanwhile are
skipped quietly (no warning in the log for an ordinary slow run)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from telegram.ext import ApplicationBuilder

from bot.runtime.sweeper import Sweep, schedule


async def test_a_slow_sweep_runs_alone_and_its_skipped_ticks_warn_nobody(
    caplog: pytest.LogCaptureFixture,
) -> None:
    application = ApplicationBuilder().token("1:offline").build()
    job_queue = application.job_queue
    assert job_queue is not None
    at_once, most, runs = 0, 0, 0

    async def slow() -> str:
        nonlocal at_once, most, runs
        at_once, runs = at_once + 1, runs + 1
        most = max(most, at_once)
        await asyncio.sleep(0.45)
        at_once -= 1
        return ""

    schedule(job_queue, [Sweep("slow", 0.1, slow, once=False)])
    caplog.set_level(logging.DEBUG)
    await job_queue.start()
    try:
        await asyncio.sleep(1.2)
        seen = list(caplog.records)  # stopping cancels the run under way, which is logged
    finally:
        await job_queue.stop(wait=False)
    assert most == 1 and 1 <= runs <= 3
    warnings = [r for r in seen if r.levelno >= logging.WARNING]
    assert not warnings, [r.getMessage() for r in warnings]
    assert any("still running, this tick skipped" in r.getMessage() for r in seen)
