"""The sandbox's HTTP server: the Bot API for the bot, a JSON API and static files for the page.

Routes (everything on one port, bound to 127.0.0.1 by default):

* ``GET|POST /bot{token}/{method}`` – the Bot API (any token; form, JSON or multipart bodies);
  ``GET /file/bot{token}/{file_path}`` – file downloads after ``getFile``.
* ``GET /`` – the chat page; ``/sandbox/static/*`` – its script and style.
* ``/sandbox/api/...`` – the page's JSON API, see :mod:`bot.sandbox.page_api`.

Usage::

    server = SandboxServer(on_make_coordinator=hook)    # hook: async (user_id) -> None, optional
    await server.start()
    app = ApplicationBuilder().token("123:sandbox").base_url(server.bot_api_base_url)...
    server.emulator.send_text(user_id, "/start")       # or open server.page_url in a browser
    await server.stop()

From synchronous code use :class:`bot.sandbox.thread.SandboxThread`. Standalone:
``python -m bot.sandbox.server --port 8081`` prints the page URL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.sandbox.emulator import Emulator
from bot.sandbox.hooks import COORDINATOR, BotView, SandboxHooks
from bot.sandbox.models import Upload
from bot.sandbox.page_api import PageApi

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
MAX_UPLOAD = 50 * 1024 * 1024  # Telegram's limit for bots' uploads
CoordinatorHook = Callable[[int], Awaitable[None]]
UserSpec = tuple[str, str] | dict[str, Any]
DEFAULT_USERS: tuple[UserSpec, ...] = (
    {"first_name": "Kommune Musterstadt", "language_code": "de"},
    {"first_name": "Beraterin Aylin", "language_code": "de"},
    {"first_name": "Koordination Sam", "language_code": "de"},
)


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Read Bot API parameters from the query string and a form, JSON or multipart body."""
    params: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.method != "POST" or not request.body_exists:
        return params, files
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
        return params, files
    form = await request.post()  # urlencoded and multipart alike
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[key] = Upload(value.filename, value.content_type, value.file.read())
        else:
            params[key] = value if isinstance(value, str) else bytes(value).decode()
    return params, files


LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


def host_name(header: str) -> str:
    """The name in a Host header without its port (``[::1]:8081`` → ``::1``), lower case."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def host_guard(bound_host: str) -> Any:
    """Middleware answering 421 to any Host header but the loopback names (DNS rebinding).

    A web page from elsewhere whose name is re-pointed at 127.0.0.1 would otherwise reach the
    sandbox from the visitor's browser: its requests carry that page's name as the Host.
    The address the server is bound to is accepted too, when it is an address (``--host``).
    """
    allowed = set(LOOPBACK_NAMES)
    with contextlib.suppress(ValueError):
        if not ipaddress.ip_address(bound_host).is_unspecified:
            allowed.add(bound_host.lower())

    @web.middleware
    async def guard(request: web.Request, handler: Any) -> web.StreamResponse:
        """Refuse the request unless its Host header names this machine's loopback."""
        if host_name(request.headers.get("Host", "")) not in allowed:
            return web.Response(status=421, text="misdirected request: use 127.0.0.1 or localhost")
        return await handler(request)  # type: ignore[no-any-return]

    return guard


class SandboxServer:
    """The emulator behind an aiohttp server; see the module docstring.

    ``initial_users``: ``(first_name, language_code)`` tuples or ``add_user`` keyword dicts;
    ``None`` gives three users (two German, one English), ``[]`` none.
    ``on_make_coordinator``: an async ``(user_id) -> None`` the page's "Make coordinator" button
    calls (the role lives in the bot's database); without it the button is hidden.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        on_make_coordinator: CoordinatorHook | None = None,
        initial_users: Sequence[UserSpec] | None = None,
        emulator: Emulator | None = None,
        hooks: SandboxHooks | None = None,
    ) -> None:
        """The emulator, its hooks and the first users; not yet serving."""
        self.host = host
        self.port = port
        self.emulator = emulator or Emulator()
        self.hooks = hooks or SandboxHooks()
        if on_make_coordinator is not None:
            self.hooks.make_coordinator = on_make_coordinator
        # Each user's role and the bot's clock, as the bot behind the sandbox reports them.
        self.bot_view = BotView()
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        for spec in DEFAULT_USERS if initial_users is None else initial_users:
            if isinstance(spec, dict):
                self.emulator.add_user(**spec)
            else:
                self.emulator.add_user(spec[0], spec[1])
        self.initial_users = list(self.emulator.users)

    @property
    def on_make_coordinator(self) -> CoordinatorHook | None:
        """The page's "make coordinator" hook (None hides the button)."""
        return self.hooks.make_coordinator

    @property
    def coordinator_ids(self) -> set[int]:
        """Users the page shows as coordinators."""
        return {uid for uid, role in self.bot_view.roles.items() if role == COORDINATOR}

    def clear(self) -> None:
        """The first users again, with empty chats, no roles and no faults."""
        self.bot_view.roles.clear()
        self.emulator.reset(self.initial_users)

    def set_role(self, user_id: int, role: str) -> None:
        """Show ``role`` in the user's column header."""
        if self.bot_view.roles.get(user_id) != role:
            self.bot_view.roles[user_id] = role
            self.emulator.notify()

    @property
    def base_url(self) -> str:
        """``http://host:port`` once started."""
        return f"http://{self.host}:{self.port}"

    @property
    def bot_api_base_url(self) -> str:
        """What to give PTB as ``base_url`` (PTB appends ``{token}/{method}``)."""
        return f"{self.base_url}/bot"

    @property
    def base_file_url(self) -> str:
        """What to give PTB as ``base_file_url``."""
        return f"{self.base_url}/file/bot"

    @property
    def page_url(self) -> str:
        """The chat page."""
        return f"{self.base_url}/"

    def make_app(self) -> web.Application:
        """The aiohttp application with every route, behind the Host header check."""
        app = web.Application(client_max_size=MAX_UPLOAD, middlewares=[host_guard(self.host)])
        app.router.add_route("*", "/bot{token}/{method}", self._bot_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        app.router.add_get("/", self._index)
        app.router.add_static("/sandbox/static/", STATIC_DIR, append_version=True)
        PageApi(self).register(app.router)
        return app

    async def start(self) -> None:
        """Bind and serve; afterwards :attr:`port` holds the real port."""
        self.emulator.closing = False
        self._runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._webhook_task = asyncio.create_task(self._deliver_webhooks())

    async def stop(self) -> None:
        """Release long polls, stop webhook delivery and close the server."""
        self.emulator.close()
        if self._webhook_task:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SandboxServer:
        """Start serving for a ``with`` block."""
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop serving at the end of a ``with`` block."""
        await self.stop()

    async def _bot_api(self, request: web.Request) -> web.Response:
        """Answer one Bot API call from the bot, as Telegram would."""
        try:
            params, files = await _read_params(request)
        except (ValueError, json.JSONDecodeError):
            body = {"ok": False, "error_code": 400, "description": "Bad Request: can't parse JSON"}
            return web.json_response(body, status=400)
        status, body = await self.emulator.call(request.match_info["method"], params, files)
        return web.json_response(body, status=status)

    async def _file(self, request: web.Request) -> web.Response:
        """Serve a stored file's bytes, as Telegram's file server would."""
        stored = self.emulator.file(request.match_info["path"])
        if stored is None:  # Telegram's file server answers a plain 404 here
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"},
                                     status=404)  # fmt: skip
        return web.Response(body=stored.data, content_type=stored.mime_type)

    async def _index(self, request: web.Request) -> web.FileResponse:
        """The chat page."""
        return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    async def _deliver_webhooks(self) -> None:
        """Post pending updates to the webhook one by one; a 2xx answer confirms an update."""
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while not self.emulator.closing:
                since = self.emulator.version
                url, update = self.emulator.webhook.get("url"), self.emulator.next_update()
                if not url or update is None:
                    await self.emulator.wait_change(since, 30.0)
                    continue
                headers = {}
                if secret := self.emulator.webhook.get("secret_token"):
                    headers["X-Telegram-Bot-Api-Secret-Token"] = secret
                try:
                    async with session.post(url, json=update, headers=headers) as response:
                        if 200 <= response.status < 300:
                            self.emulator.confirm_update(update["update_id"])
                            continue
                        problem = f"Wrong response from the webhook: {response.status} {response.reason}"
                except (aiohttp.ClientError, TimeoutError) as exc:
                    problem = f"Connection failed: {exc.__class__.__name__}"
                self.emulator.webhook_failed(problem)
                await asyncio.sleep(1.0)  # Telegram retries failed deliveries with a back-off too


async def _serve(host: str, port: int) -> None:
    """Run the sandbox alone (without the bot) until interrupted."""
    server = SandboxServer(host=host, port=port)
    await server.start()
    print(f"Sandbox page:        {server.page_url}", flush=True)
    print(f"Bot API base_url:    {server.bot_api_base_url}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox standalone until Ctrl+C (manual trials)."""
    parser = argparse.ArgumentParser(description="Local Telegram Bot API sandbox with a chat page")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
