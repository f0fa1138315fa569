"""The real bot with stopwatches: where an update's time goes (``--stages``).

Runs exactly what ``python -m bot run`` runs, after wrapping the runtime's stages in timers:
storing a batch in the inbox, handling an update (and PTB's part of it), the sender's claim, the
Bot API calls and recording their outcome, waiting for SQLite's writer lock, the commits, every
SQL statement. When the bot stops, the totals go as JSON to the file
named by ``BENCHMARK_STAGES_FILE``; :func:`breakdown` writes them as a table. With
``BENCHMARK_CPROFILE`` set to a path, the whole process also runs under cProfile.

    BENCHMARK_STAGES_FILE=stages.json python -m benchmarks.stages run
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

TOTALS: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
LABELS = {
    "accept": "store a batch in the inbox (accept)",
    "alone": "  of which a lone update stored and handled at once (store_and_handle)",
    "handle": "handle an update stored before (handle)",
    "run": "the sender's user, the handlers and the hand-off (run)",
    "process_update": "  of which PTB and the handler (process_update)",
    "writer_wait": "wait for SQLite's writer lock",
    "commit": "commit",
    "sql": "SQL statements",
    "claim": "sender: claim outbox rows",
    "api": "Bot API call (not getUpdates)",
    "finish": "sender: record the outcome",
}


# Each statement is also counted on its own, under this prefix and its first characters.
STATEMENT, STATEMENT_CHARS = "statement: ", 90
# How many of the most frequent statements the breakdown lists.
TOP_STATEMENTS = 12


def _count(label: str, seconds: float) -> None:
    """Add one occurrence of ``label`` that took ``seconds``."""
    entry = TOTALS[label]
    entry[0] += 1
    entry[1] += seconds


def _timed(owner: Any, name: str, label: str, skip: Callable[..., bool] | None = None) -> None:
    """Replace the coroutine function ``owner.name`` by one that counts its time under ``label``."""
    original = getattr(owner, name)

    @functools.wraps(original)
    async def timed(*args: Any, **kwargs: Any) -> Any:
        """The original, timed."""
        if skip is not None and skip(*args, **kwargs):
            return await original(*args, **kwargs)
        started = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            _count(label, time.perf_counter() - started)

    setattr(owner, name, timed)


def _time_transactions() -> None:
    """Time the wait for SQLite's writer lock, the commits and every SQL statement."""
    from sqlalchemy import event

    from bot import db as dbmodule

    original_init = dbmodule.Database.__init__

    def init(self: Any, url: str) -> None:
        """The original constructor, then statement timers on the new engine."""
        original_init(self, url)
        engine = self.engine.sync_engine

        @event.listens_for(engine, "before_cursor_execute")
        def before(conn: Any, *_args: Any) -> None:
            """Note when the statement started."""
            conn.info["benchmark_started"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn: Any, _cursor: Any, statement: Any, *_args: Any) -> None:
            """Count the statement."""
            took = time.perf_counter() - conn.info.pop("benchmark_started", time.perf_counter())
            _count("sql", took)
            _count(STATEMENT + " ".join(str(statement).split())[:STATEMENT_CHARS], took)

    dbmodule.Database.__init__ = init  # type: ignore[method-assign]
    _timed(dbmodule.WriterQueue, "acquire", "writer_wait")
    original_transaction = dbmodule.Database.transaction

    @contextlib.asynccontextmanager
    async def transaction(self: Any, *, urgent: bool = False, durable: bool = False) -> AsyncIterator[Any]:
        """The original transaction with its commit timed (from the end of the block)."""
        async with original_transaction(self, urgent=urgent, durable=durable) as session:
            yield session
            committing = time.perf_counter()
        _count("commit", time.perf_counter() - committing)

    dbmodule.Database.transaction = transaction  # type: ignore[method-assign]


def _is_poll(*args: Any, **kwargs: Any) -> bool:
    """Whether a ``Bot.do_api_request`` call is getUpdates (a long poll, not a stage)."""
    endpoint = args[1] if len(args) > 1 else kwargs.get("endpoint")
    return endpoint == "getUpdates"


def install() -> None:
    """Wrap the stages in timers and write the totals when the process ends."""
    import telegram
    from telegram.ext import Application

    from bot import app
    from bot.runtime import lone_update, outbox_rows, update_run

    _timed(app.ProcessRuntime, "accept", "accept")
    _timed(lone_update.LoneUpdates, "store_and_handle", "alone")
    _timed(app.ProcessRuntime, "handle", "handle")
    _timed(update_run.UpdateRunner, "run", "run")
    _timed(Application, "process_update", "process_update")
    _timed(outbox_rows, "claim", "claim")
    _timed(outbox_rows, "finish", "finish")
    _timed(telegram.Bot, "do_api_request", "api", skip=_is_poll)
    _time_transactions()
    target = os.environ.get("BENCHMARK_STAGES_FILE")
    if target:
        atexit.register(_write, Path(target))


def _write(path: Path) -> None:
    """Write the totals as JSON."""
    path.write_text(json.dumps(dict(TOTALS)))


def breakdown(path: Path, updates: int) -> str:
    """The stage totals of a finished run as a table: count, mean and time per handled update."""
    totals: dict[str, list[float]] = json.loads(path.read_text())
    lines = [
        f"Where the time goes (real bot, no round trip, {updates} updates handled):",
        "",
        "| Stage | Count | Mean | Per update |",
        "|-------|------:|-----:|-----------:|",
    ]
    for key, label in LABELS.items():
        count, seconds = totals.get(key, [0, 0.0])
        if count:
            mean, per_update = seconds / count * 1000, seconds / max(1, updates) * 1000
            lines.append(f"| {label} | {int(count)} | {mean:.2f} ms | {per_update:.2f} ms |")
    commits, statements = totals.get("commit", [0, 0.0])[0], totals.get("sql", [0, 0.0])[0]
    lines.append("")
    lines.append(
        f"{commits / max(1, updates):.1f} transactions and {statements / max(1, updates):.1f} SQL statements "
        "per handled update (the sender's and sweeps' included)."
    )
    return "\n".join([*lines, "", *_statements(totals, updates)])


def _statements(totals: dict[str, list[float]], updates: int) -> list[str]:
    """The most frequent SQL statements: how often each ran per handled update, and its mean time."""
    counted = sorted(
        ((key.removeprefix(STATEMENT), *value) for key, value in totals.items() if key.startswith(STATEMENT)),
        key=lambda entry: -entry[1],
    )
    lines = ["| Statement (its beginning) | Per update | Mean |", "|---|---:|---:|"]
    for text, count, seconds in counted[:TOP_STATEMENTS]:
        shown = text.replace("|", "\\|")
        lines.append(f"| `{shown}` | {count / max(1, updates):.2f} | {seconds / count * 1000:.2f} ms |")
    return lines


def main() -> int:
    """Install the timers and run the bot's command line (under cProfile if asked)."""
    import sys

    from bot.cli import main as bot_main

    install()
    profile_path = os.environ.get("BENCHMARK_CPROFILE")
    if not profile_path:
        return bot_main(sys.argv[1:])
    import cProfile

    profiler = cProfile.Profile()
    try:
        return profiler.runcall(bot_main, sys.argv[1:])
    finally:
        profiler.dump_stats(profile_path)


if __name__ == "__main__":
    raise SystemExit(main())
