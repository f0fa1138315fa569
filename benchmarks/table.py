"""The suite's one table: scenario, figures, reference, target and met / missed, in Markdown."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Sequence
from datetime import datetime

import telegram

from benchmarks.common import Options, Row


def verdict(met: bool | None) -> str:
    """How a row's result is written."""
    return {True: "met", False: "**missed**", None: "not measured"}[met]


def _cpu() -> str:
    """The processor's model name and the number of cores this process may use."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {len(os.sched_getaffinity(0))} cores"


def heading(options: Options, loads: Sequence[float]) -> str:
    """What the figures were measured on: when, the machine and how busy it was (the one-minute
    load average as each scenario began), the database and the round trip."""
    size = "quick (smaller sizes)" if options.quick else "full"
    busy = ", ".join(f"{load:.1f}" for load in loads)
    return (
        f"MiGlobe bot benchmarks, {datetime.now():%Y-%m-%d %H:%M}, {size} run\n"
        f"machine: {_cpu()}; Python {sys.version.split()[0]}, python-telegram-bot {telegram.__version__}\n"
        f"load average at each scenario's start: {busy} (other work on the machine skews the figures)\n"
        f"database: {options.database_name}; simulated Bot API round trip: {options.rtt * 1000:.0f} ms"
    )


def render(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table, columns padded so it also reads in a terminal."""
    cells = [["Scenario", "Figures", "Reference (same run)", "Target", "Result"]]
    cells += [[r.scenario, r.figures, r.reference, r.target, verdict(r.met)] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = [
        "| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |" for row in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def summary(rows: Sequence[Row]) -> str:
    """One line counting met, missed and failed targets."""
    met = sum(1 for r in rows if r.met is True)
    missed = sum(1 for r in rows if r.met is False)
    unmeasured = sum(1 for r in rows if r.met is None)
    return f"{met} targets met, {missed} missed" + (f", {unmeasured} not measured" if unmeasured else "")
