"""The database engine and sessions: SQLite (WAL) by default, PostgreSQL (asyncpg) by URL."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from bot import sqlite_inline
from bot.postgres_pool import create_postgres_engine


def _sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL, None for memory or other databases."""
    path = url.split(":///", 1)[-1] if ":///" in url else ""
    return None if path in ("", ":memory:") else Path(path)


def _configure_sqlite(engine: AsyncEngine) -> None:
    """Set the pragmas on every new connection and take the write lock at BEGIN.

    WAL lets readers run beside the one writer. An update is confirmed to Telegram right after
    its inbox commit, so that commit must survive a power loss too: it runs with synchronous=FULL
    (``Database.transaction(durable=True)``). Every other transaction runs with NORMAL, which
    survives a crash of the process, and after a power loss can only lose what is done again
    (an update still in the inbox is handled again; a message not yet marked sent is sent again);
    its log reaches the disk with the next durable commit or checkpoint.
    BEGIN IMMEDIATE avoids the read-to-write upgrade that fails at once with "database is
    locked" instead of waiting for busy_timeout when chats are handled concurrently.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        """Set the pragmas every SQLite connection needs (WAL, sync, busy timeout)."""
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA busy_timeout=10000",
            "PRAGMA foreign_keys=ON",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        """Take SQLite's write lock when the transaction begins, not at its first write; a reader
        (:attr:`Database.reads`) begins deferred and never waits for the writer. A durable
        transaction commits with synchronous=FULL, every other one with NORMAL."""
        options = connection.get_execution_options()
        synchronous = "FULL" if options.get(DURABLE_OPTION, False) else "NORMAL"
        if connection.info.get("synchronous", "NORMAL") != synchronous:
            connection.exec_driver_sql(f"PRAGMA synchronous={synchronous}")
            connection.info["synchronous"] = synchronous
        connection.exec_driver_sql("BEGIN" if options.get(DEFERRED_OPTION, False) else "BEGIN IMMEDIATE")


# The execution option that makes an SQLite transaction begin deferred (a reader) ...
DEFERRED_OPTION = "sqlite_deferred"
# ... and the one that makes its commit reach the disk before it returns (synchronous=FULL).
DURABLE_OPTION = "sqlite_durable"


def create_engine(url: str) -> AsyncEngine:
    """Create the async engine for ``url``, creating the SQLite file's folder if needed.

    An SQLite file is opened in place (:mod:`bot.sqlite_inline`): its statements run on the event
    loop's thread instead of hopping to aiosqlite's worker thread and back.
    """
    if url.startswith("sqlite"):
        path = _sqlite_file(url)
        extra: dict[str, Any] = {}
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            extra["async_creator"] = sqlite_inline.connector(str(path))
        # hide_parameters: an error's message and the logs name the statement, never the names,
        # e-mail addresses or texts bound into it.
        engine = create_async_engine(
            url, pool_size=8, max_overflow=0, pool_timeout=60, hide_parameters=True, **extra
        )
        _configure_sqlite(engine)
        return engine
    return create_postgres_engine(url)


# SQLSTATEs worth a second try: serialisation failure, deadlock, and the connection classes
# (08: connection exception, 57P01–57P03: server shut down or restarting).
_TRANSIENT_SQLSTATES = {"40001", "40P01", "57P01", "57P02", "57P03"}
_UNIQUE_SQLSTATE = "23505"


def _sqlstate(error: BaseException) -> str:
    """The PostgreSQL SQLSTATE of a driver error ('' when there is none)."""
    for candidate in (error, getattr(error, "orig", None), getattr(error, "__cause__", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str):
            return code
    return ""


def is_transient(error: BaseException) -> bool:
    """Whether re-running the transaction that raised ``error`` may well succeed.

    True for a lost connection, a serialisation failure or deadlock, SQLite's "database is
    locked" and a unique violation (two transactions inserted the same key at once; the
    re-run finds the other's row).
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _is_transient_one(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _is_transient_one(error: BaseException) -> bool:
    """Whether this single error (not its causes) is worth running the transaction again."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, DisconnectionError | ConnectionError):
        return True
    state = _sqlstate(error)
    if state in _TRANSIENT_SQLSTATES or state.startswith("08") or state == _UNIQUE_SQLSTATE:
        return True
    if not isinstance(error, DBAPIError):
        return type(error).__name__ in {"ConnectionDoesNotExistError", "InterfaceError"} and (
            "connection" in str(error).lower()
        )
    message = str(error.orig).lower()
    if isinstance(error, OperationalError) and (
        "database is locked" in message or "database table is locked" in message
    ):
        return True
    if isinstance(error, IntegrityError) and "unique constraint failed" in message:
        return True
    return isinstance(error, InterfaceError) and "connection" in message


# How much earlier than its arrival an urgent waiter counts: it goes ahead of ordinary waiters
# that came less than this before it, not of older ones, so a steady stream of urgent writes (a
# broadcast's delivery records) cannot hold an ordinary one (an incoming update) for long.
URGENT_HEAD_START_SECONDS = 0.2


class WriterQueue:
    """A lock handed out in arrival order, urgent waiters a little ahead of their turn."""

    def __init__(self) -> None:
        """An idle queue with nobody waiting."""
        self._held = False
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    async def acquire(self, urgent: bool = False) -> None:
        """Wait for the lock."""
        if not self._held and not self._waiters:
            self._held = True
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        turn = time.monotonic() - (URGENT_HEAD_START_SECONDS if urgent else 0.0)
        heapq.heappush(self._waiters, (turn, next(self._arrivals), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # it was handed to us just as we were cancelled
            raise

    def release(self) -> None:
        """Hand the lock to the next waiter that still wants it."""
        while self._waiters:
            _turn, _order, future = heapq.heappop(self._waiters)
            if not future.done():
                future.set_result(None)
                return
        self._held = False


# Every Database on one SQLite file in one event loop queues in one line (a test or a command may
# open a second one beside the bot's): none of them may take the lock while another holds it.
_WRITER_QUEUES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, WriterQueue]] = (
    weakref.WeakKeyDictionary()
)


def _writer_queue(file: str) -> WriterQueue:
    """The writer queue of the SQLite ``file`` in the running event loop."""
    queues = _WRITER_QUEUES.setdefault(asyncio.get_running_loop(), {})
    queue = queues.get(file)
    if queue is None:
        queue = queues[file] = WriterQueue()
    return queue


class Database:
    """The engine plus a session factory; one instance per process."""

    def __init__(self, url: str) -> None:
        """The engine and session factory for ``url``."""
        self.url = url
        self.engine = create_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._durable_sessions = async_sessionmaker(
            self.engine.execution_options(**{DURABLE_OPTION: True}), expire_on_commit=False
        )
        # Reads that need no lock (health checks, metrics): on SQLite they begin deferred.
        self.reads = self.engine.execution_options(**{DEFERRED_OPTION: True})
        path = _sqlite_file(url) if self.is_sqlite else None
        self._file = str(path or url)  # the key of the file's writer queue
        self._checkpointer = sqlite_inline.Checkpointer(str(path)) if path is not None else None

    @property
    def is_sqlite(self) -> bool:
        """Whether this database is SQLite (one writer, no SKIP LOCKED)."""
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def transaction(
        self, *, urgent: bool = False, durable: bool = False
    ) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error.

        ``durable`` transactions (storing incoming updates, which confirms them to Telegram) are on
        disk when the commit returns, whatever happens next; on SQLite the others may be lost to a
        power failure, never to a crash of the process (see ``_configure_sqlite``).

        ``urgent`` transactions (the sender recording what it delivered) go ahead of ordinary
        ones queued shortly before them on SQLite, so a burst of updates does not delay that
        record, which is what keeps a crash from sending a message twice; an ordinary one that
        has waited a while is not overtaken any more. Never nest these: on SQLite the inner one would
        wait for the outer forever.
        """
        if not self.is_sqlite:
            async with self.sessions() as session, session.begin():
                yield session
            return
        # SQLite has one writer: queue for it here, in order, instead of in SQLite's busy
        # handler, which sleeps in growing steps and lets a burst starve a short transaction
        # (and, with statements run in place, would stop the event loop while it waits).
        writer = _writer_queue(self._file)
        await writer.acquire(urgent)
        sessions = self._durable_sessions if durable else self.sessions
        try:
            async with sessions() as session, session.begin():
                yield session
        finally:
            writer.release()
        if self._checkpointer is not None:
            self._checkpointer.after_write()

    async def dispose(self) -> None:
        """Close every pooled connection (and the checkpointer's)."""
        if self._checkpointer is not None:
            await self._checkpointer.close()
        await self.engine.dispose()
