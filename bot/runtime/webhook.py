"""Webhook mode: answer 2xx only after the update is committed; check the secret in constant time."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.logging_setup import describe_error
from bot.runtime.health import Operations
from bot.runtime.health_http import add_operation_routes

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1_000_000

Accept = Callable[[list[dict[str, Any]]], Awaitable[object]]


def webhook_path(webhook_url: str) -> str:
    """The path to listen on: the path of the public webhook URL (``/webhook`` if it has none)."""
    path = urlsplit(webhook_url).path
    return path if path and path != "/" else "/webhook"


def build_webhook_app(
    secret: str, path: str, accept: Accept, operations: Operations | None = None
) -> web.Application:
    """An aiohttp app: the webhook endpoint, /healthz, and with ``operations`` /readyz and /metrics."""
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        """Take one update from Telegram if it carries the secret; store it before answering."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return web.Response(status=403, text="forbidden")
        try:
            payload = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="invalid JSON")
        update_id = payload.get("update_id") if isinstance(payload, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return web.Response(status=400, text="not an update")
        # Only after this returns is the update safe; then Telegram may forget it. Whatever else
        # the body holds is the handler's business: an update PTB cannot parse is stored and
        # marked failed there, so Telegram is not asked to deliver it again and again.
        try:
            await accept([payload])
        except Exception as exc:
            log.error("update %s could not be stored: %s", update_id, describe_error(exc))
            return web.Response(status=500, text="not stored")
        return web.Response(status=200, text="ok")

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_post(path, receive)
    add_operation_routes(app, operations)
    return app
