"""Deadlines are columns; repeating JobQueue jobs sweep whatever fell due, including while the bot was down.

Each sweep runs once right after start (``first=0``), so a deadline that passed during a stop is
handled within one interval of the next start. Nothing lives only in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram.ext import CallbackContext, JobQueue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sweep:
    """A repeating job: its name says what it sweeps."""

    name: str
    interval_seconds: float
    run: Callable[[], Awaitable[object]]


def schedule(job_queue: JobQueue, sweeps: list[Sweep]) -> None:
    """Register every sweep with the JobQueue (APScheduler underneath)."""
    for sweep in sweeps:

        async def _job(_context: CallbackContext, sweep: Sweep = sweep) -> None:  # type: ignore[type-arg]
            try:
                result = await sweep.run()
                if result:
                    log.info("sweep %s: %s", sweep.name, result)
            except Exception:
                # A failing sweep must not stop the others; it runs again next interval.
                log.exception("sweep %s failed", sweep.name)

        job_queue.run_repeating(
            _job,
            interval=sweep.interval_seconds,
            first=0,
            name=sweep.name,
            job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
