"""Scenario 8, answers: how long the knowledge base takes to rank and decide one question.

Loads the shipped knowledge base (the classifier from its cache when there is one), asks every
question of the labelled sets under ``tests/data/`` once to warm the caches a running bot has
warm too, then asks each again with a word added (so no cache can answer it). In the suite the
reference is the same questions asked unchanged a second time (what a repeat costs). Target:
p99 <= 10 ms. Also runs alone and prints the figures:

    .venv/bin/python benchmarks/answers.py
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import Options, Report, percentile  # noqa: E402
from bot.services.knowledge import knowledge_base  # noqa: E402
from bot.services.knowledge_eval import read_labelled  # noqa: E402

TARGET_MS = 10.0


@dataclass(frozen=True)
class Timed:
    """Milliseconds per question, fresh and repeated, and how the knowledge base was loaded."""

    fresh: list[float]
    repeated: list[float]
    entries: int
    loaded: float


def measure() -> Timed:
    """Time every labelled question, fresh (a word added) and repeated unchanged."""
    started = time.perf_counter()
    kb = knowledge_base()
    loaded = time.perf_counter() - started
    items = [
        item
        for name in ("knowledge_eval.tsv", "knowledge_heldout.tsv")
        for item in read_labelled(ROOT / "tests" / "data" / name)
    ]
    for item in items:
        kb.answer(item.question, item.language)
    repeated, fresh = [], []
    for item in items:
        begin = time.perf_counter()
        kb.answer(item.question, item.language)
        repeated.append((time.perf_counter() - begin) * 1000)
        begin = time.perf_counter()
        kb.answer(f"{item.question} bitte", item.language)
        fresh.append((time.perf_counter() - begin) * 1000)
    return Timed(fresh, repeated, len(kb.entries), loaded)


async def run(options: Options, report: Report) -> None:
    """Time the answers and add the row."""
    timed = measure()
    p99 = percentile(timed.fresh, 0.99)
    report.add(
        f"8 answers: full knowledge base ({timed.entries} entries)",
        f"p99 {p99:.1f} ms (p50 {percentile(timed.fresh, 0.5):.1f}, slowest {max(timed.fresh):.1f}; "
        f"{len(timed.fresh)} questions)",
        f"the same questions repeated: p99 {percentile(timed.repeated, 0.99):.1f} ms",
        f"p99 <= {TARGET_MS:.0f} ms",
        p99 <= TARGET_MS,
    )


def main() -> None:
    """Time every labelled question and print the figures."""
    timed = measure()
    times = sorted(timed.fresh)
    print(f"knowledge base: {timed.entries} entries, loaded in {timed.loaded:.2f} s")
    print(
        f"{len(times)} questions: mean {statistics.mean(times):.2f} ms, "
        f"median {statistics.median(times):.2f} ms, p95 {percentile(times, 0.95):.2f} ms, "
        f"p99 {percentile(times, 0.99):.2f} ms, slowest {times[-1]:.2f} ms"
    )


if __name__ == "__main__":
    main()
