"""Scenario 3, burst: many chats ask at the same instant; how long until every one is answered?

300 new people each send one line (commands and questions, in turn) at once over a 50 ms round
trip, to the real bot and then to the stock PTB bot. Target: all answered within 3 s.
"""

from __future__ import annotations

import math
import time
from typing import Any

from benchmarks.common import Options, Report, fresh_database, percentile, secs
from benchmarks.people import DIALOGUE, add_people
from benchmarks.runs import Run, real_bot, stock_bot, warm_up

TARGET_SECONDS = 3.0
TIMEOUT = 300.0


async def burst(run: Run, chats: int, rtt: float) -> tuple[float, float, int]:
    """``chats`` people ask at once; returns the time until all were answered, the median
    latency and how many got no answer within the timeout."""
    run.emulator.set_delay(rtt)
    people = add_people(run.emulator, chats, "B")
    started = time.monotonic()
    for n, chat in enumerate(people):
        run.emulator.send_text(chat, DIALOGUE[n % len(DIALOGUE)])
    deadline = started + TIMEOUT
    for chat in people:
        try:
            await run.watcher.wait(
                chat, lambda c=chat: run.watcher.sends(c), max(0.0, deadline - time.monotonic()), "a reply"
            )
        except TimeoutError:
            break
    arrivals = [run.watcher.sends(chat)[0].time - started for chat in people if run.watcher.sends(chat)]
    missing = chats - len(arrivals)
    return (max(arrivals) if arrivals and not missing else math.inf), percentile(arrivals, 0.5), missing


async def run(options: Options, report: Report) -> None:
    """Measure the burst on both bots and add the row."""
    chats = options.size(300, 100)
    answers: dict[str, dict[str, Any]]
    async with fresh_database(options, "burst") as url, real_bot(options, "burst", url) as bot:
        answers = await warm_up(bot, DIALOGUE)
        real, real_median, real_missing = await burst(bot, chats, options.rtt)
    async with stock_bot(options, "burst-stock", answers) as bot:
        await warm_up(bot, DIALOGUE)
        stock, stock_median, stock_missing = await burst(bot, chats, options.rtt)
    unanswered = f", {real_missing} unanswered" if real_missing else ""
    report.add(
        f"3 burst: {chats} chats at once, {options.rtt * 1000:.0f} ms round trip",
        f"all answered after {secs(real)} (median {secs(real_median)}{unanswered})",
        f"stock PTB: {secs(stock)} (median {secs(stock_median)})"
        + (f", {stock_missing} unanswered" if stock_missing else ""),
        f"all answered <= {TARGET_SECONDS:.0f} s",
        real <= TARGET_SECONDS,
    )
