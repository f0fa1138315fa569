"""SQLite's one writer is handed out in order: urgent writes a little ahead, nobody starved."""

from __future__ import annotations

import asyncio

from bot.db import URGENT_HEAD_START_SECONDS, WriterQueue


async def _hold(queue: WriterQueue, seconds: float, done: list[str], name: str, urgent: bool) -> None:
    """Take the lock, keep it ``seconds``, note ``name`` when it was had."""
    await queue.acquire(urgent)
    done.append(name)
    await asyncio.sleep(seconds)
    queue.release()


async def test_an_urgent_write_goes_ahead_of_one_that_just_queued() -> None:
    queue, done = WriterQueue(), []
    await queue.acquire()
    ordinary = asyncio.create_task(_hold(queue, 0, done, "ordinary", urgent=False))
    await asyncio.sleep(0.01)
    urgent = asyncio.create_task(_hold(queue, 0, done, "urgent", urgent=True))
    await asyncio.sleep(0.01)
    queue.release()
    await asyncio.gather(ordinary, urgent)
    assert done == ["urgent", "ordinary"]


async def test_a_stream_of_urgent_writes_does_not_starve_an_ordinary_one() -> None:
    """A broadcast's delivery records come one after another; an incoming update still gets in."""
    queue, done = WriterQueue(), []
    step = URGENT_HEAD_START_SECONDS / 8
    stream = [asyncio.create_task(_hold(queue, step, done, f"urgent {n}", urgent=True)) for n in range(2)]
    await asyncio.sleep(step / 2)
    ordinary = asyncio.create_task(_hold(queue, 0, done, "ordinary", urgent=False))
    for n in range(2, 40):  # new urgent writers keep arriving while the lock is busy
        await asyncio.sleep(step)
        stream.append(asyncio.create_task(_hold(queue, step, done, f"urgent {n}", urgent=True)))
    await asyncio.gather(ordinary, *stream)
    # Overtaken only by what arrived within the head start after it, then served.
    assert done.index("ordinary") <= 2 + 8 + 2, done
    assert len(done) == 41
