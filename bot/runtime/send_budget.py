"""The overall send budget shared by every process on one PostgreSQL.

A process takes the next slot of the ``send_budget`` row with one atomic statement: the previous
slot plus one spacing, or now if the budget has been idle, read on the database's clock so that
processes with different clocks agree. It then sleeps until its slot. The slots of all processes
together are therefore at least one spacing apart, however many processes send.

A database that cannot be asked must not stop sending: the budget then answers None, the limiter
paces this process alone at the configured rate, and the database is asked again a little later.
The outage is logged once, its end once.
"""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.db import Database
from bot.logging_setup import describe_error

log = logging.getLogger(__name__)

# The row every process paces the interactive and bulk lanes by.
BUDGET_NAME = "overall"
# A reservation slower than this counts as failed (the send goes on local pacing).
RESERVE_TIMEOUT_SECONDS = 2.0
# After a failure, pace locally this long before asking the database again.
RETRY_SECONDS = 30.0

_NOW = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)"
# ``next_slot`` holds the last slot taken. The wait is read after the row is locked and changed,
# so a statement that queued behind another process's does not count its queueing twice.
_RESERVE = text(
    f"INSERT INTO send_budget (name, next_slot) VALUES (:name, {_NOW}) "
    "ON CONFLICT (name) DO UPDATE SET next_slot = "
    f"GREATEST(send_budget.next_slot + :spacing, {_NOW}) "
    f"RETURNING next_slot - {_NOW}"
)
# A 429 pushes the next slot of every process past Telegram's ``retry_after``.
_PAUSE = text(
    f"INSERT INTO send_budget (name, next_slot) VALUES (:name, {_NOW} + :seconds) "
    "ON CONFLICT (name) DO UPDATE SET next_slot = GREATEST(send_budget.next_slot, EXCLUDED.next_slot)"
)


class SharedBudget:
    """Slots of the overall budget, handed out by the database to every process alike."""

    def __init__(self, db: Database, name: str = BUDGET_NAME) -> None:
        """A budget on ``db`` (PostgreSQL); no connection is made before the first slot."""
        self._url = db.url
        self._name = name
        self._engine: AsyncEngine | None = None
        self._failing = False
        self._retry_at = 0.0

    def _connection_pool(self) -> AsyncEngine:
        """A small pool of its own, so a busy main pool never delays a send's slot.

        Autocommit makes a reservation one round trip; a lost budget update costs nothing
        worth a disk flush, so those commits do not wait for one.
        """
        if self._engine is None:
            url = make_url(self._url)
            asyncpg = url.get_driver_name() == "asyncpg"
            connect_args = {"server_settings": {"synchronous_commit": "off"}} if asyncpg else {}
            self._engine = create_async_engine(
                url,
                pool_size=2,
                max_overflow=0,
                pool_timeout=RESERVE_TIMEOUT_SECONDS,
                isolation_level="AUTOCOMMIT",
                hide_parameters=True,
                connect_args=connect_args,
            )
        return self._engine

    async def reserve(self, spacing: float) -> float | None:
        """Take the next slot; the seconds to wait for it, or None while the database fails."""
        if time.monotonic() < self._retry_at:
            return None
        try:
            wait = await asyncio.wait_for(self._execute_reserve(spacing), RESERVE_TIMEOUT_SECONDS)
        except Exception as exc:
            self._failed(exc)
            return None
        if self._failing:
            self._failing = False
            log.info("the shared send budget answers again; pacing with the other processes")
        return max(0.0, float(wait))

    async def _execute_reserve(self, spacing: float) -> float:
        """Run the reserving statement once."""
        async with self._connection_pool().connect() as connection:
            wait = await connection.scalar(_RESERVE, {"name": self._name, "spacing": spacing})
        return float(wait or 0.0)

    async def pause(self, seconds: float) -> None:
        """Hold every process's next slot for ``seconds`` (Telegram's ``retry_after``)."""
        if time.monotonic() < self._retry_at:
            return
        try:
            await asyncio.wait_for(self._execute_pause(seconds), RESERVE_TIMEOUT_SECONDS)
        except Exception as exc:
            self._failed(exc)

    async def _execute_pause(self, seconds: float) -> None:
        """Run the pausing statement once."""
        async with self._connection_pool().connect() as connection:
            await connection.execute(_PAUSE, {"name": self._name, "seconds": seconds})

    def _failed(self, error: BaseException) -> None:
        """Pace locally for a while; say so once per outage."""
        self._retry_at = time.monotonic() + RETRY_SECONDS
        if not self._failing:
            self._failing = True
            log.warning(
                "the shared send budget cannot be reached (%s); this process paces alone at the "
                "configured rate and asks again every %.0f s",
                describe_error(error),
                RETRY_SECONDS,
            )

    async def close(self) -> None:
        """Close the pool (a later slot opens it again)."""
        engine, self._engine = self._engine, None
        if engine is not None:
            await engine.dispose()
