"""SQLite statements run on the event loop's own thread, under SQLAlchemy's aiosqlite dialect.

aiosqlite hands every statement to a worker thread and its answer back through the event loop:
about 0.2 ms per statement, and under load each hop also waits for the loop's turn while the
single writer's lock is held, so a burst of updates queues behind those hops. A statement on a
local SQLite file takes microseconds, so it is cheaper to run it in place.

This is safe because nothing in the process waits for SQLite's lock while running in place:
every write transaction of the process queues for the lock first (``bot.db``'s writer queue,
shared by every engine on the same file) and readers begin deferred, which WAL never blocks. A
wait for another *process* (a command-line tool writing at the same moment) blocks the loop for
that moment, up to the busy timeout. Nor does the loop copy the write-ahead log into the
database file (a checkpoint, with its fsync, can take tens of milliseconds): the connections
opened here never checkpoint on their own, and :class:`Checkpointer` does it on a worker thread.

The objects below offer the part of aiosqlite's interface that the dialect calls; each
coroutine finishes without suspending.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger(__name__)
# How often the write-ahead log is copied into the database file while writes go on.
CHECKPOINT_EVERY_SECONDS = 1.0


class InlineCursor:
    """An aiosqlite-like cursor over a :mod:`sqlite3` cursor."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        """Wrap ``cursor``."""
        self._cursor = cursor

    @property
    def description(self) -> Any:
        """The result's columns, as DB-API describes them."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """The row id of the last insert."""
        return self._cursor.lastrowid

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        """Run one statement."""
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        """Run one statement for each set of parameters."""
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchall(self) -> list[Any]:
        """Every remaining row."""
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        """The next row, or None."""
        return self._cursor.fetchone()

    async def fetchmany(self, size: int) -> list[Any]:
        """Up to ``size`` rows."""
        return self._cursor.fetchmany(size)

    async def close(self) -> None:
        """Close the cursor."""
        self._cursor.close()


class _RunAtOnce:
    """Stands in for aiosqlite's job queue, which the dialect uses to set the isolation level."""

    @staticmethod
    def put_nowait(job: tuple[Any, Callable[[], Any]]) -> None:
        """Run the job now and settle its future."""
        future, function = job
        try:
            future.set_result(function())
        except Exception as exc:
            future.set_exception(exc)


class InlineConnection:
    """An aiosqlite-like connection over a :mod:`sqlite3` connection, in the calling thread."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        """Wrap ``connection``."""
        self._conn = connection
        self._tx = _RunAtOnce()

    @property
    def isolation_level(self) -> str | None:
        """The :mod:`sqlite3` isolation level (None: the caller says when transactions begin)."""
        return self._conn.isolation_level

    async def cursor(self) -> InlineCursor:
        """A new cursor."""
        return InlineCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        """Run one statement on a new cursor."""
        return InlineCursor(self._conn.execute(sql, parameters))

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        """Register an SQL function."""
        self._conn.create_function(*args, **kwargs)

    async def commit(self) -> None:
        """Commit."""
        self._conn.commit()

    async def rollback(self) -> None:
        """Roll back."""
        self._conn.rollback()

    async def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def stop(self) -> None:
        """Close at once (the dialect's forced termination)."""
        self._conn.close()


def connector(path: str) -> Callable[[], Any]:
    """An ``async_creator`` for SQLAlchemy that opens ``path`` in place."""

    async def connect() -> InlineConnection:
        """Open the file; SQLAlchemy's own connect hooks set the pragmas."""
        # check_same_thread=False: the pool may close a connection from its finaliser's thread.
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA wal_autocheckpoint=0")  # the Checkpointer's job, off the loop
        return InlineConnection(connection)

    return connect


class Checkpointer:
    """Copies the write-ahead log into the database file on a worker thread, at most once a second
    while writes go on (a passive checkpoint: it never waits for, nor holds up, a reader or writer)."""

    def __init__(self, path: str) -> None:
        """A checkpointer for the SQLite file at ``path``; nothing runs until a write commits."""
        self._path = path
        self._connection: sqlite3.Connection | None = None
        self._running: asyncio.Future[None] | None = None
        self._last = 0.0

    def after_write(self) -> None:
        """Note a committed write; start a checkpoint if none ran lately."""
        now = time.monotonic()
        busy = self._running is not None and not self._running.done()
        if busy or now - self._last < CHECKPOINT_EVERY_SECONDS:
            return
        self._last = now
        self._running = asyncio.get_running_loop().run_in_executor(None, self._checkpoint)

    def _checkpoint(self) -> None:
        """Run one passive checkpoint (on the worker thread) on a connection of its own."""
        try:
            if self._connection is None:
                self._connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:  # the next write tries again
            log.warning("checkpoint of the SQLite log failed: %s", exc)

    async def close(self) -> None:
        """Wait for a checkpoint under way, then close its connection."""
        if self._running is not None:
            await asyncio.wait([self._running])
        if self._connection is not None:
            self._connection.close()
            self._connection = None
