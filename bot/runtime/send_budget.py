"""The overall send budget shared by every process on one PostgreSQL.

A process takes the next slot of the ``send_budget`` row with one atomic statement: the previous
slot plus one spacing, or now if the budget has been idle, read on the database's clock so that
processes with different clocks agree. It then sleeps until its slot. The slots of all processes
together are therefore at least one spacing apart, however many processes send.

The slot comes back on the database's clock and is turned into this process's clock with an
estimate of the offset between the two (:class:`ClockOffset`), never as "now plus the wait": an
answer that reached a busy process late would otherwise make its slot that much later unnoticed,
next to another process's slot that was on time.

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
# A reservation slower than this counts as failed (the send goes on local pacing). Generous: a
# slow answer is still the right answer, and local pacing beside processes that still reach the
# database can put more than the rate into a second.
RESERVE_TIMEOUT_SECONDS = 10.0
# After a failure, pace locally this long before asking the database again.
RETRY_SECONDS = 5.0
# How fast the two clocks may drift apart (NTP slews a clock by at most 500 ppm): an old offset
# sample grows this much less certain per second.
DRIFT_PER_SECOND = 0.0005

_NOW = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)"
# ``next_slot`` holds the last slot taken; it comes back with the database's clock, read after the
# row is locked and changed (a moment between sending the statement and reading its answer).
_RESERVE = text(
    f"INSERT INTO send_budget (name, next_slot) VALUES (:name, {_NOW}) "
    "ON CONFLICT (name) DO UPDATE SET next_slot = "
    f"GREATEST(send_budget.next_slot + :spacing, {_NOW}) "
    f"RETURNING next_slot, {_NOW}"
)
# A 429 pushes the next slot of every process past Telegram's ``retry_after``.
_PAUSE = text(
    f"INSERT INTO send_budget (name, next_slot) VALUES (:name, {_NOW} + :seconds) "
    "ON CONFLICT (name) DO UPDATE SET next_slot = GREATEST(send_budget.next_slot, EXCLUDED.next_slot)"
)


class ClockOffset:
    """This process's best estimate of the database's clock minus its own monotonic clock.

    A statement that read the database's clock at ``remote`` ran between ``sent`` and
    ``received`` here, so the offset is ``remote - (sent + received) / 2`` within half the round
    trip. The estimate kept is the one with the smallest uncertainty: half its round trip plus
    the drift since it was taken. A reading delayed by a busy process has a long round trip and
    does not displace a good one.
    """

    def __init__(self) -> None:
        """No estimate yet."""
        self._offset = 0.0
        self._error = float("inf")
        self._taken_at = 0.0

    def _uncertainty(self, now: float) -> float:
        """How far the kept estimate may be off at ``now``."""
        return self._error + (now - self._taken_at) * DRIFT_PER_SECOND

    def sample(self, sent: float, received: float, remote: float) -> None:
        """Learn from one reading of the database's clock taken between ``sent`` and ``received``."""
        error = (received - sent) / 2
        if error <= self._uncertainty(received):
            self._offset = remote - (sent + received) / 2
            self._error = error
            self._taken_at = received

    def local(self, remote: float) -> float:
        """The monotonic time here of the database's time ``remote``."""
        return remote - self._offset


class SharedBudget:
    """Slots of the overall budget, handed out by the database to every process alike."""

    def __init__(self, db: Database, name: str = BUDGET_NAME) -> None:
        """A budget on ``db`` (PostgreSQL); no connection is made before the first slot."""
        self._url = db.url
        self._name = name
        self._engine: AsyncEngine | None = None
        self._failing = False
        self._retry_at = 0.0
        self._clock = ClockOffset()

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
        """Take the next slot; its monotonic time here, or None while the database fails."""
        if time.monotonic() < self._retry_at:
            return None
        try:
            slot = await asyncio.wait_for(self._execute_reserve(spacing), RESERVE_TIMEOUT_SECONDS)
        except Exception as exc:
            self._failed(exc)
            return None
        if self._failing:
            self._failing = False
            log.info("the shared send budget answers again; pacing with the other processes")
        return slot

    async def _execute_reserve(self, spacing: float) -> float:
        """Run the reserving statement once; the slot on this process's clock."""
        async with self._connection_pool().connect() as connection:
            sent = time.monotonic()
            row = (await connection.execute(_RESERVE, {"name": self._name, "spacing": spacing})).one()
            received = time.monotonic()
        slot, remote_now = float(row[0]), float(row[1])
        self._clock.sample(sent, received, remote_now)
        return self._clock.local(slot)

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
