"""SQLite statements run on the event loop's own thread, under SQLAlchemy's aiosqlite dialect.

aiosqlite hands every statement to a worker thread and its answer back through the event loop:
about 0.2 ms per statement, and under load each hop also waits for the loop's turn while the
single writer's lock is held, so a burst of updates queues behind those hops. A statement on a
local SQLite file takes microseconds, so it is cheaper to run it in place.

This is safe because nothing in the process waits for SQLite's lock while running in place:
every write transaction of the process queues for the lock first (``bot.db``'s writer queue,
shared by every engine on the same file) and readers begin deferred, which WAL never blocks. A
wait for another *process* (a command-line tool writing at the same moment) blocks the loop for
that moment, up to the busy timeout.

The objects below offer the part of aiosqlite's interface that the dialect calls; each
coroutine finishes without suspending.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import Any


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
        return InlineConnection(sqlite3.connect(path, isolation_level=None, check_same_thread=False))

    return connect
