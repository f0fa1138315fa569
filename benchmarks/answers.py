"""Answer benchmark: how long the knowledge base takes to rank and decide one question.

Loads the shipped knowledge base (the classifier from its cache when there is one), asks every
question of the labelled sets under ``tests/data/`` once to warm the caches a running bot has
warm too, then asks each again with a word added (so no cache can answer it) and prints the mean,
median, 95th percentile and slowest time per question.

    .venv/bin/python benchmarks/answers.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.services.knowledge import knowledge_base  # noqa: E402
from bot.services.knowledge_eval import read_labelled  # noqa: E402


def main() -> None:
    """Time every labelled question and print the figures."""
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
    times = []
    for item in items:
        begin = time.perf_counter()
        kb.answer(f"{item.question} bitte", item.language)
        times.append((time.perf_counter() - begin) * 1000)
    times.sort()
    print(f"knowledge base: {len(kb.entries)} entries, loaded in {loaded:.2f} s")
    print(
        f"{len(times)} questions: mean {statistics.mean(times):.2f} ms, "
        f"median {statistics.median(times):.2f} ms, p95 {times[int(len(times) * 0.95)]:.2f} ms, "
        f"slowest {times[-1]:.2f} ms"
    )


if __name__ == "__main__":
    main()
