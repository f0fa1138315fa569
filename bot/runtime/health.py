"""Liveness, readiness and metrics over HTTP: ``/healthz``, ``/readyz`` and ``/metrics``.

The webhook app carries these routes; in polling mode they are served on ``HEALTH_PORT`` when
that is set. Ready means: the database answers, its schema is at the migrations' head, and a
Bot API call succeeded within the configured minutes (if none did, one ``getMe`` is tried).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.db import Database
from bot.logging_setup import describe_error
from bot.migrate import alembic_config
from bot.runtime import metrics

log = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 5.0

TelegramProbe = Callable[[], Awaitable[object]]


def migration_heads(database_url: str) -> set[str]:
    """The head revisions of the migrations shipped with this code."""
    return set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())


@dataclass
class Operations:
    """What the health and metrics endpoints look at: the database and a way to reach Telegram."""

    db: Database
    telegram_probe: TelegramProbe | None = None
    telegram_max_minutes: float = 10.0
    _heads: set[str] = field(default_factory=set)

    async def database_problem(self) -> str | None:
        """Why the database is not ready (unreachable, or not at the migrations' head), or None."""
        if not self._heads:
            self._heads = migration_heads(self.db.url)
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), self.db.reads.connect() as connection:
                rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
                current = {str(row[0]) for row in rows}
        except Exception as exc:
            return f"database unreachable or not migrated: {describe_error(exc)}"
        if current != self._heads:
            return f"database schema at {sorted(current)}, code expects {sorted(self._heads)}"
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


def add_operation_routes(app: web.Application, operations: Operations | None) -> None:
    """Add ``/healthz`` and, with ``operations``, ``/readyz`` and ``/metrics`` to ``app``."""

    async def health(_request: web.Request) -> web.Response:
        """Liveness: the process answers."""
        return web.Response(text="ok")

    async def ready(_request: web.Request) -> web.Response:
        """Readiness: the database and Telegram answer, else the problems."""
        assert operations is not None
        problems = await operations.problems()
        if problems:
            return web.Response(status=503, text="\n".join(problems))
        return web.Response(text="ready")

    async def scrape(_request: web.Request) -> web.Response:
        """The Prometheus metrics, with fresh queue depths where they can be read."""
        assert operations is not None
        try:
            await metrics.refresh_depths(operations.db)
        except Exception as exc:
            # The counters are still worth having; the depths keep their last values.
            log.warning("metrics: queue depths not read: %s", describe_error(exc))
        body, content_type = metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    app.router.add_get("/healthz", health)
    if operations is not None:
        app.router.add_get("/readyz", ready)
        app.router.add_get("/metrics", scrape)


async def start_health_server(port: int, operations: Operations, host: str = "0.0.0.0") -> web.AppRunner:
    """Serve the operation routes on ``port`` (polling mode); call ``cleanup()`` on the runner to stop."""
    app = web.Application()
    add_operation_routes(app, operations)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("health and metrics on port %d", port)
    return runner
