"""Deadlines are columns; repeating JobQueue jobs sweep whatever fell due, including while the bot was down.

Each sweep runs once right after start (``first=0``), so a deadline that passed during a stop is
handled within one interval of the next start. Nothing lives only in memory.

On PostgreSQL several processes may share the database (a rolling deploy, a standby), so each
run first takes a transaction-level advisory lock named after the sweep; a process that does not
get it skips that run. The lock's transaction stays open while the sweep runs (the sweep's own
transactions run beside it) and ends with it, so a process that dies frees the lock with its
connection. The sweeps' effects stay compare-and-set, so a run after a takeover repeats nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import text
from telegram.ext import CallbackContext, JobQueue

from bot.config import Settings
from bot.db import Database
from bot.runtime import metrics

log = logging.getLogger(__name__)

LOCK_NAMESPACE = "miglobe-sweep:"


@dataclass(frozen=True)
class Sweep:
    """A repeating job: its name says what it sweeps."""

    name: str
    interval_seconds: float
    run: Callable[[], Awaitable[object]]
    # False for work every process does for itself (waking its own sender); True: one process at a time.
    once: bool = True


@dataclass(frozen=True)
class FeatureSweep:
    """A feature's deadline sweep: its name, its interval from the settings and what it runs."""

    name: str
    interval: Callable[[Settings], float]
    run: Callable[[Database, Settings], Awaitable[str]]


async def run_once(sweep: Sweep, db: Database | None) -> tuple[bool, object]:
    """Run ``sweep`` unless another process is running it; returns (ran, its result).

    Without a database, or on SQLite (one process), the sweep simply runs.
    """
    metrics.mark_sweep_ran(sweep.name)
    if db is None or db.is_sqlite or not sweep.once:
        return True, await sweep.run()
    async with db.engine.connect() as connection, connection.begin():
        held = await connection.scalar(
            text("SELECT pg_try_advisory_xact_lock(hashtext(:name))"), {"name": LOCK_NAMESPACE + sweep.name}
        )
        if not held:
            log.debug("sweep %s: running in another process, skipped", sweep.name)
            return False, None
        return True, await sweep.run()


def schedule(job_queue: JobQueue, sweeps: list[Sweep], db: Database | None = None) -> None:
    """Register every sweep with the JobQueue (APScheduler underneath), each run once across processes."""
    running: set[str] = set()
    for sweep in sweeps:

        async def _job(_context: CallbackContext, sweep: Sweep = sweep) -> None:  # type: ignore[type-arg]
            """Run the sweep once and log its result; a failure waits for the next interval. A tick
            that comes while the sweep's last run is still going is skipped here, quietly: a slow
            run (the machine busy building a knowledge base) is no fault worth a warning."""
            if sweep.name in running:
                log.debug("sweep %s: still running, this tick skipped", sweep.name)
                return
            running.add(sweep.name)
            try:
                _ran, result = await run_once(sweep, db)
                if result:
                    log.info("sweep %s: %s", sweep.name, result)
            except Exception:
                # A failing sweep must not stop the others; it runs again next interval.
                log.exception("sweep %s failed", sweep.name)
            finally:
                running.discard(sweep.name)

        job_queue.run_repeating(
            _job,
            interval=sweep.interval_seconds,
            first=0,
            name=sweep.name,
            # Two instances: the second only sees the first still running and returns (APScheduler
            # would warn about every tick it skipped itself).
            job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 2},
        )
