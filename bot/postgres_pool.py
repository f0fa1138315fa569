"""The PostgreSQL engine's pool: connections checked before use only after they lay idle.

SQLAlchemy's ``pool_pre_ping`` checks every connection it hands out, and asyncpg's check is three
round trips (begin, an empty statement, roll back): a third of an ordinary transaction's time.
A connection given back moments ago is alive unless the server restarted in between; so only a
connection idle for :data:`IDLE_SECONDS` is checked, and one found dead is replaced before use.
The rare dead connection that slips through (the server restarted moments ago) fails its
transaction with a connection error, which the callers treat as transient and retry; SQLAlchemy
then replaces every connection made before the failure.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

# A connection idle for longer than this is checked before it is used again.
IDLE_SECONDS = 10.0
_RETURNED_AT = "returned_at"  # the moment a connection was given back to the pool (its info)


def create_postgres_engine(url: str) -> AsyncEngine:
    """The engine for a PostgreSQL ``url``: a pool of 10 (20 at most), idle connections checked."""
    # hide_parameters: an error's message and the logs name the statement, never the names,
    # e-mail addresses or texts bound into it. LIFO: the connection given back last is used
    # next, so at an ordinary pace one or two stay in use and need no check, rather than every
    # connection of the pool taking turns and lying idle long enough to be checked each time.
    engine = create_async_engine(url, pool_size=10, max_overflow=10, pool_use_lifo=True, hide_parameters=True)
    event.listen(engine.sync_engine, "checkin", _note_return)
    event.listen(engine.sync_engine, "checkout", _check_if_idle)
    return engine


def _note_return(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    """Note when the connection came back to the pool."""
    record.info[_RETURNED_AT] = time.monotonic()


def _check_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
    """Check a connection that lay idle before it is used; a dead one is replaced by the pool."""
    returned_at = record.info.get(_RETURNED_AT)
    if returned_at is None or time.monotonic() - returned_at <= IDLE_SECONDS:
        return  # new, or used moments ago
    try:
        dbapi_connection.ping()
    except Exception as exc:
        raise DisconnectionError("the idle connection is gone") from exc
