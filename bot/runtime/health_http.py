"""Liveness, readiness and metrics over HTTP: ``/healthz``, ``/readyz`` and ``/metrics``.

Imported only where they are served (the webhook, or ``HEALTH_PORT`` in polling mode), so that a
polling process without them never loads the HTTP server library.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.logging_setup import describe_error
from bot.runtime import metrics
from bot.runtime.health import Operations

log = logging.getLogger(__name__)


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
