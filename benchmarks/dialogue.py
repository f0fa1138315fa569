"""Scenario 1, dialogue: people chatting at a human pace; reply latency against a stock PTB bot.

30 people each say something every 1.5–2.5 s (about 15 messages a second) for 30 s over a 50 ms
round trip. The same people say the same lines to the stock bot afterwards. Target: the real
bot's p95 and p99 at most the stock bot's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import Options, Report, fresh_database, ms, percentile
from benchmarks.people import DIALOGUE, add_people, converse, latencies
from benchmarks.runs import Run, real_bot, stock_bot, warm_up


@dataclass(frozen=True)
class Chatted:
    """Reply latencies of one bot (a missing answer counts as infinitely late)."""

    latencies: list[float]
    said: int
    seconds: float
    missing: int
    cpu: float  # the bot's CPU seconds while the people chatted

    def p(self, q: float) -> float:
        """The ``q`` quantile of the latencies."""
        return percentile(self.latencies, q)

    def quantiles(self, *qs: float) -> str:
        """The quantiles written out, e.g. "p50 12 ms · p95 30 ms"."""
        return " · ".join(f"p{round(q * 100)} {ms(self.p(q))}" for q in qs)

    @property
    def rate(self) -> float:
        """Messages said per second."""
        return self.said / self.seconds if self.seconds else math.nan

    @property
    def cpu_per_message(self) -> str:
        """The bot's CPU time per message said."""
        return ms(self.cpu / self.said) if self.said else "–"

    def unanswered(self) -> str:
        """A note on missing answers, or nothing."""
        return f", {self.missing} unanswered" if self.missing else ""


async def chat_with(run: Run, people: int, seconds: float, rtt: float) -> Chatted:
    """``people`` new people chat with the bot of ``run`` for ``seconds`` over a ``rtt`` round trip."""
    run.emulator.set_delay(rtt)
    cpu = run.cpu_seconds()
    chats = await converse(run.emulator, add_people(run.emulator, people, "P"), seconds)
    found, missing = await latencies(run.watcher, chats)
    return Chatted(found + [math.inf] * missing, chats.count, seconds, missing, run.cpu_seconds() - cpu)


async def real_and_stock(
    options: Options, name: str, people: int, seconds: float, rtt: float, stages_file: Path | None = None
) -> tuple[Chatted, Chatted]:
    """The same chatting with the real bot (fresh database), then with the stock bot."""
    answers: dict[str, dict[str, Any]]
    async with fresh_database(options, name) as url, real_bot(options, name, url, stages_file) as run:
        answers = await warm_up(run, DIALOGUE)
        real = await chat_with(run, people, seconds, rtt)
    async with stock_bot(options, f"{name}-stock", answers) as run:
        await warm_up(run, DIALOGUE)
        stock = await chat_with(run, people, seconds, rtt)
    return real, stock


async def run(options: Options, report: Report) -> None:
    """Measure the dialogue and add its row."""
    people, seconds = 30, options.seconds(30, 10)
    real, stock = await real_and_stock(options, "dialogue", people, seconds, options.rtt)
    met = real.p(0.95) <= stock.p(0.95) and real.p(0.99) <= stock.p(0.99)
    report.add(
        f"1 dialogue: {people} people, {options.rtt * 1000:.0f} ms round trip",
        f"{real.quantiles(0.5, 0.95, 0.99)} ({real.said} msgs, {real.rate:.1f}/s, "
        f"CPU {real.cpu_per_message}/msg{real.unanswered()})",
        f"stock PTB: {stock.quantiles(0.5, 0.95, 0.99)} "
        f"(CPU {stock.cpu_per_message}/msg{stock.unanswered()})",
        "p95, p99 <= stock",
        met,
    )
