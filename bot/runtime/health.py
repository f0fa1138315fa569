"""What ``/readyz`` checks (the routes themselves: :mod:`bot.runtime.health_http`).

The webhook app carries the routes; in polling mode they are served on ``HEALTH_PORT`` when
that is set. Ready means: the database answers, its schema is at the migrations' head, and a
Bot API call succeeded within the configured minutes (if none did, one ``getMe`` is tried).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import text

from bot.db import Database
from bot.logging_setup import describe_error
from bot.migrate import HEAD_REVISION
from bot.runtime import metrics

log = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 5.0

TelegramProbe = Callable[[], Awaitable[object]]


@dataclass
class Operations:
    """What the health and metrics endpoints look at: the database and a way to reach Telegram."""

    db: Database
    telegram_probe: TelegramProbe | None = None
    telegram_max_minutes: float = 10.0

    async def database_problem(self) -> str | None:
        """Why the database is not ready (unreachable, or not at the migrations' head), or None."""
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), self.db.reads.connect() as connection:
                rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
                current = {str(row[0]) for row in rows}
        except Exception as exc:
            return f"database unreachable or not migrated: {describe_error(exc)}"
        if current != {HEAD_REVISION}:
            return f"database schema at {sorted(current)}, code expects {[HEAD_REVISION]}"
        return None

    async def telegram_problem(self) -> str | None:
        """Why Telegram does not count as reachable recently, or None.

        A recent successful call (sending, polling) is enough; otherwise one probe is made.
        """
        age = metrics.seconds_since_telegram_ok()
        if age is not None and age <= self.telegram_max_minutes * 60:
            return None
        if self.telegram_probe is None:
            if age is None:
                return "no successful Bot API call yet"
            return f"last Bot API success {age:.0f} s ago"
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                await self.telegram_probe()
        except Exception as exc:
            return f"Telegram unreachable: {describe_error(exc)}"
        metrics.mark_telegram_ok()
        return None

    async def problems(self) -> list[str]:
        """Everything that keeps this process from being ready (empty when ready)."""
        found = [await self.database_problem(), await self.telegram_problem()]
        return [problem for problem in found if problem]
