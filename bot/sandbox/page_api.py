"""The chat page's JSON API (under ``/sandbox/api``): state feed, users' actions, faults, files.

* ``GET  /sandbox/api/state`` – everything the page shows (users, messages, faults, ...).
* ``GET  /sandbox/api/events?since=V`` – long poll: the state as soon as its version exceeds V
  (at most 25 s later).
* ``POST /sandbox/api/users`` ``{"first_name", "language_code"}`` – add a user.
* ``POST /sandbox/api/users/{id}/text`` ``{"text"}`` – the user sends a message.
* ``POST /sandbox/api/users/{id}/press`` ``{"message_id", "data"}`` – presses an inline button.
* ``POST /sandbox/api/users/{id}/send/{kind}`` – sticker, photo, voice, location or document.
* ``POST /sandbox/api/users/{id}/block`` ``{"blocked": bool}`` – the user (un)blocks the bot.
* ``POST /sandbox/api/users/{id}/coordinator`` – runs the ``make_coordinator`` hook.
* ``POST /sandbox/api/users/{id}/remove`` – removes the user (and runs the ``remove_user`` hook).
* ``POST /sandbox/api/clock`` ``{"seconds": n}`` – lets n seconds pass for the bot (hook).
* ``POST /sandbox/api/reset`` – a fresh start: empty chats, and the ``reset`` hook.
* ``POST /sandbox/api/faults`` ``{"kind": "rate_limit"|"server_error"|"delay"|"block"|"clear"}``.
* ``GET  /sandbox/api/files/{file_id}`` – a file's bytes (``?download=1`` as an attachment).

POST bodies must be JSON: a cross-site form cannot send that without a CORS preflight, which
this API never grants, so other web pages cannot drive the sandbox.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web

from bot.sandbox.emulator import Emulator
from bot.sandbox.hooks import COORDINATOR, MUNICIPALITY, BotView, SandboxHooks

log = logging.getLogger(__name__)

EVENTS_TIMEOUT = 25.0
# The clock control moves the bot's time by at most a month at once.
MAX_ADVANCE_SECONDS = 31 * 24 * 3600
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class PageHost(Protocol):
    """What the page's API needs of the server it runs in (the server imports this module)."""

    emulator: Emulator
    hooks: SandboxHooks
    bot_view: BotView

    @property
    def on_make_coordinator(self) -> Callable[[int], Awaitable[None]] | None:
        """The page's "make coordinator" hook (None hides the button)."""

    def clear(self) -> None:
        """The first users again, with empty chats, no roles and no faults."""

    def set_role(self, user_id: int, role: str) -> None:
        """Show ``role`` in the user's column header."""


def _error(message: str, status: int = 400) -> web.Response:
    """A JSON error answer for the page."""
    return web.json_response({"ok": False, "error": message}, status=status)


class PageApi:
    """Request handlers for the page, bound to one server (a :class:`PageHost`)."""

    def __init__(self, server: PageHost) -> None:
        """Bind the handlers to ``server`` and its emulator."""
        self.server = server
        self.emulator = server.emulator

    def register(self, router: web.UrlDispatcher) -> None:
        """Add the routes to ``router``."""
        router.add_get("/sandbox/api/state", self.state)
        router.add_get("/sandbox/api/events", self.events)
        router.add_get("/sandbox/api/files/{file_id}", self.file)
        router.add_post("/sandbox/api/users", self._json(self.add_user))
        router.add_post("/sandbox/api/users/{user_id}/{action}", self._json(self.user_action))
        router.add_post("/sandbox/api/users/{user_id}/send/{kind}", self._json(self.send_kind))
        router.add_post("/sandbox/api/faults", self._json(self.faults))
        router.add_post("/sandbox/api/clock", self._json(self.clock))
        router.add_post("/sandbox/api/reset", self._json(self.reset))

    def _json(self, handler: Callable[[web.Request, dict[str, Any]], Awaitable[web.Response]]
              ) -> Handler:  # fmt: skip
        """Wrap a POST handler: require a JSON object body, turn ValueErrors into 400s."""

        async def wrapped(request: web.Request) -> web.StreamResponse:
            """Check the body is a JSON object and call the handler with it."""
            if request.content_type != "application/json":
                return _error("send JSON", 415)
            try:
                body = await request.json() if request.body_exists else {}
                if not isinstance(body, dict):
                    return _error("expected a JSON object")
                return await handler(request, body)
            except (ValueError, TypeError, KeyError) as exc:
                return _error(str(exc))

        return wrapped

    def view(self) -> dict[str, Any]:
        """The emulator's snapshot plus what only the server knows."""
        data = self.emulator.snapshot()
        hooks, view = self.server.hooks, self.server.bot_view
        data["features"] = {
            "make_coordinator": hooks.make_coordinator is not None,
            "clock": hooks.advance_clock is not None,
            "reset": True,
        }
        data["clock"] = view.to_json()
        data["generation"] = self.emulator.generation
        for user in data["users"]:
            user["role"] = view.roles.get(user["id"], MUNICIPALITY)
            user["coordinator"] = user["role"] == COORDINATOR
        return data

    async def state(self, request: web.Request) -> web.Response:
        """The whole state."""
        return web.json_response(self.view())

    async def events(self, request: web.Request) -> web.Response:
        """Long poll: answer once the state changed after version ``since``."""
        try:
            since = int(request.query.get("since", "-1"))
        except ValueError:
            return _error("since must be an integer")
        await self.emulator.wait_change(since, EVENTS_TIMEOUT)
        return web.json_response(self.view())

    async def file(self, request: web.Request) -> web.Response:
        """A stored file, inline (images open in the page) or as a download."""
        stored = self.emulator.file(request.match_info["file_id"])
        if stored is None:
            return _error("no such file", 404)
        disposition = "attachment" if request.query.get("download") else "inline"
        safe_name = "".join(c for c in stored.file_name if c.isalnum() or c in "._- ") or "file"
        headers = {"Content-Disposition": f'{disposition}; filename="{safe_name}"',
                   "X-Content-Type-Options": "nosniff"}  # fmt: skip
        # Only images are shown inline; anything else (e.g. HTML a bot sent) is downloaded.
        content_type = stored.mime_type if stored.mime_type.startswith("image/") else (
            "application/octet-stream")  # fmt: skip
        return web.Response(body=stored.data, content_type=content_type, headers=headers)

    async def add_user(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        """Add a user from the page's form."""
        name = str(body.get("first_name") or "").strip()
        language = str(body.get("language_code") or "de").strip().lower()
        if not name or len(name) > 64:
            raise ValueError("first_name must have 1–64 characters")
        if not language.isalpha() or not 2 <= len(language) <= 3:
            raise ValueError("language_code must be a 2–3 letter code such as de or en")
        user = self.emulator.add_user(name, language)
        return web.json_response({"ok": True, "user": user.to_api()})

    async def user_action(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        """A user's action: text, press, block, coordinator or remove."""
        user_id = int(request.match_info["user_id"])
        action = request.match_info["action"]
        result: Any = True
        if action == "text":
            # A Telegram app sends over-long text as several messages; the answer is the first.
            result = self.emulator.type_text(user_id, str(body.get("text") or ""))[0]
        elif action == "press":
            result = self.emulator.press_button(
                user_id, int(body["message_id"]), str(body["data"]), forge=False
            )
        elif action == "block":
            self.emulator.chat_state(user_id)  # KeyError → 400 for unknown users
            self.emulator.block_chat(user_id, bool(body.get("blocked", True)))
        elif action == "coordinator":
            return await self._make_coordinator(user_id)
        elif action == "remove":
            self.emulator.remove_user(user_id)  # ValueError → 400 for unknown users
            self.server.bot_view.roles.pop(user_id, None)
            if self.server.hooks.remove_user is not None:
                await self.server.hooks.remove_user(user_id)
        else:
            return _error(f"unknown action {action!r}", 404)
        return web.json_response({"ok": True, "result": result})

    async def _make_coordinator(self, user_id: int) -> web.Response:
        """Run the bot's make-coordinator hook for the user and show the new role."""
        hook = self.server.on_make_coordinator
        if hook is None:
            return _error("no on_make_coordinator hook configured", 404)
        self.emulator.chat_state(user_id)
        try:
            await hook(user_id)
        except Exception as exc:  # the hook belongs to the bot: show its failure in the page
            log.exception("on_make_coordinator(%s) failed", user_id)
            return _error(f"hook failed: {exc}", 500)
        self.server.set_role(user_id, COORDINATOR)  # the page shows the new role
        return web.json_response({"ok": True})

    async def send_kind(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        """A user sends a sticker, photo, voice message, location or document."""
        user_id = int(request.match_info["user_id"])
        senders: dict[str, Callable[[int], dict[str, Any]]] = {
            "sticker": self.emulator.send_sticker,
            "photo": self.emulator.send_photo,
            "voice": self.emulator.send_voice,
            "location": self.emulator.send_location,
            "document": self.emulator.send_document,
        }
        kind = request.match_info["kind"]
        if kind not in senders:
            return _error(f"unknown kind {kind!r}", 404)
        return web.json_response({"ok": True, "result": senders[kind](user_id)})

    async def faults(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        """Set a fault from the faults panel."""
        kind = body.get("kind")
        emulator = self.emulator
        if kind == "rate_limit":
            seconds = body.get("seconds")
            emulator.rate_limit(
                retry_after=int(body.get("retry_after") or 3),
                calls=None if seconds else int(body.get("calls") or 1),
                seconds=float(seconds) if seconds else None,
                chat_id=int(body["chat_id"]) if body.get("chat_id") else None,
            )
        elif kind == "server_error":
            emulator.server_error(int(body.get("calls") or 1), int(body.get("status") or 502))
        elif kind == "delay":
            emulator.set_delay(float(body.get("seconds") or 0))
        elif kind == "block":
            emulator.block_chat(int(body["chat_id"]), bool(body.get("blocked", True)))
        elif kind == "clear":
            emulator.clear_faults()
        else:
            raise ValueError(f"unknown fault kind {kind!r}")
        return web.json_response({"ok": True, "faults": emulator.faults.snapshot()})

    async def clock(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        """The clock control: let ``seconds`` pass for the bot."""
        hook = self.server.hooks.advance_clock
        if hook is None:
            return _error("no clock behind this sandbox", 404)
        seconds = int(body.get("seconds") or 0)
        if not 0 < seconds <= MAX_ADVANCE_SECONDS:
            raise ValueError(f"seconds must be 1–{MAX_ADVANCE_SECONDS}")
        await hook(seconds)
        self.emulator.notify()
        return web.json_response({"ok": True, "clock": self.server.bot_view.to_json()})

    async def reset(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        """Start over: the first users with empty chats, and a fresh bot behind them."""
        if self.server.hooks.reset is not None:
            await self.server.hooks.reset()  # stops the bot, clears the chats, starts it afresh
        else:
            self.server.clear()
        self.emulator.notify()
        return web.json_response({"ok": True})
