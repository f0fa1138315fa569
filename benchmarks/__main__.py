"""``python -m benchmarks``: run the scenarios and print one table (see :mod:`benchmarks`)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import logging
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from benchmarks.common import Options, Report, failed_row
from benchmarks.table import heading, render, summary

# --only name → the module whose ``run(options, report)`` measures it, in the table's order.
SCENARIOS = {
    "dialogue": "benchmarks.dialogue",
    "no-round-trip": "benchmarks.no_round_trip",
    "burst": "benchmarks.burst",
    "broadcast": "benchmarks.broadcast",
    "opt-in": "benchmarks.opt_in",
    "intake": "benchmarks.intake",
    "matching": "benchmarks.matching",
    "answers": "benchmarks.answers",
    "memory": "benchmarks.memory",
    "growth": "benchmarks.growth",
}

# A threshold for full collections that a scenario never reaches (see _settle_heap).
FULL_COLLECTIONS_NEVER = 1_000_000


def _parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run the real bot against the sandbox emulator and print one table of figures.",
    )
    parser.add_argument("--rtt", type=float, default=0.05, help="simulated Bot API round trip in s (0.05)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="default: a fresh SQLite file per run; a PostgreSQL URL gets a fresh database per run "
        "on that server (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test)",
    )
    parser.add_argument("--only", default="", help="comma-separated scenarios: " + ", ".join(SCENARIOS))
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a fast look")
    parser.add_argument(
        "--stages", action="store_true", help="also time the real bot's stages in the no-round-trip scenario"
    )
    parser.add_argument("--keep", action="store_true", help="keep the bots' logs and SQLite files")
    return parser


def _chosen(only: str) -> list[str]:
    """The scenarios to run, in the table's order; exits naming an unknown one."""
    if not only:
        return list(SCENARIOS)
    wanted = {name.strip() for name in only.split(",") if name.strip()}
    unknown = sorted(wanted - set(SCENARIOS))
    if unknown:
        sys.exit(f"unknown scenario(s): {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    return [name for name in SCENARIOS if name in wanted]


async def _run_all(options: Options, names: list[str]) -> Report:
    """Run each scenario in turn; one that fails gets an error row and the rest still run."""
    report = Report()
    for name in names:
        _settle_heap()
        started = time.monotonic()
        report.loads.append(os.getloadavg()[0])
        print(f"[{time.strftime('%H:%M:%S')}] {name} …", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(SCENARIOS[name])
            await module.run(options, report)
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            report.rows.append(failed_row(name, exc))
        print(f"    {name} took {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return report


def _settle_heap() -> None:
    """Collect and freeze what this process holds, and leave full collections to the next call.

    The emulator runs in this process and stamps each call as it arrives. A full collection
    walking what earlier scenarios left (the libraries, the bot's modules, other emulators' call
    logs), or what a scenario of 1,000 people built, paused it for 50 to 120 ms now and then, and
    the calls that waited were stamped together: two broadcast copies 0 ms apart, an intake step
    200 ms late, counted as the bot's. Telegram does not pause for the harness; the young
    generations are still collected as usual.
    """
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTIONS_NEVER)


def main() -> None:
    """Parse the options, run the scenarios, print the table (figures are printed, never asserted)."""
    args = _parser().parse_args()
    names = _chosen(args.only)
    logging.basicConfig(level=logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="miglobe-bench-"))
    options = Options(args.rtt, args.database_url, args.quick, folder, args.stages)
    started = time.monotonic()
    try:
        report = asyncio.run(_run_all(options, names))
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print()
    print(heading(options, report.loads))
    print()
    print(render(report.rows))
    print()
    print(f"{summary(report.rows)}; {time.monotonic() - started:.0f} s in all")
    for note in report.notes:
        print()
        print(note)
    if args.keep:
        print(f"\nlogs and databases: {folder}")


if __name__ == "__main__":
    main()
