"""Scenario 2, no round trip: the bot's own cost per message, with Telegram answering at once.

10 people chat at a human pace with no simulated delay; reply latency p50 and p95 against the stock
PTB bot. Target: p50 <= 10 ms, p95 <= 25 ms. With ``--stages`` the real bot runs once more with
stopwatches on its stages (:mod:`benchmarks.stages`), and the breakdown is printed below the table.
"""

from __future__ import annotations

import json

from benchmarks.common import Options, Report, fresh_database
from benchmarks.dialogue import chat_with, real_and_stock
from benchmarks.people import DIALOGUE
from benchmarks.runs import real_bot, warm_up
from benchmarks.stages import breakdown

PEOPLE = 10
P50_TARGET, P95_TARGET = 0.010, 0.025


async def _stages(options: Options, seconds: float) -> str:
    """The same chatting with the timed bot; the breakdown of where its time went."""
    path = options.folder / "stages.json"
    async with fresh_database(options, "stages") as url:
        async with real_bot(options, "stages", url, stages_file=path) as run:
            await warm_up(run, DIALOGUE)
            chatted = await chat_with(run, PEOPLE, seconds, 0.0)
    handled = int(json.loads(path.read_text()).get("run", [0])[0])
    return (
        breakdown(path, handled)
        + f"\nThat run: {chatted.quantiles(0.5, 0.95)}, CPU {chatted.cpu_per_message}/msg "
        "(the timers add a little)."
    )


async def run(options: Options, report: Report) -> None:
    """Measure the latencies without a round trip and add the row (and the breakdown if asked)."""
    seconds = options.seconds(20, 8)
    real, stock = await real_and_stock(options, "no-round-trip", PEOPLE, seconds, 0.0)
    report.add(
        f"2 no round trip: {PEOPLE} people",
        f"{real.quantiles(0.5, 0.95, 0.99)} ({real.said} msgs, CPU {real.cpu_per_message}/msg"
        f"{real.unanswered()})",
        f"stock PTB: {stock.quantiles(0.5, 0.95, 0.99)} "
        f"(CPU {stock.cpu_per_message}/msg{stock.unanswered()})",
        "p50 <= 10 ms, p95 <= 25 ms",
        real.p(0.5) <= P50_TARGET and real.p(0.95) <= P95_TARGET,
    )
    if options.stages:
        report.notes.append(await _stages(options, seconds))
