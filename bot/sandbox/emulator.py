"""The sandbox's Telegram: one bot, several private chats, Bot API semantics and the users' side.

The :class:`Emulator` is driven from two sides. The bot calls :meth:`Emulator.call` through the
HTTP routes of :mod:`bot.sandbox.server`; people (the page) and tests act as users. All of it
runs on one asyncio loop: call it only from that loop (``SandboxThread.emulator`` proxies calls
from other threads). The code is split by concern: :mod:`~bot.sandbox.formatting` (texts,
entities, limits), :mod:`~bot.sandbox.html_parse` (HTML parse mode), :mod:`~bot.sandbox.markup`
(reply markup), :mod:`~bot.sandbox.api_calls` (parameters and error answers),
:mod:`~bot.sandbox.models` (records and shared state), :mod:`~bot.sandbox.methods` (Bot API
methods), :mod:`~bot.sandbox.users` (users' actions).

Users: ``add_user(first_name, language_code="de", user_id=None)`` (chat id == user id),
``send_text(user_id, text)``, ``start(user_id, payload=None)``, ``send_sticker``,
``send_photo``, ``send_voice``, ``send_location``, ``send_document`` and
``press_button(user_id, message_id, data, forge=False)``.
Observation: ``calls`` / ``calls_to(method)`` (:class:`CallRecord`: method, params, time,
result, error), ``messages_in(chat_id)`` (:class:`ChatMessage` with ``history`` and
``edit_count``), ``chat_state(chat_id)``, ``pending_updates``, ``callback_queries``,
``commands_for(chat_id, language_code)``, ``await wait_for(predicate, timeout)``,
``await wait_for_message(chat_id, predicate)``, ``await wait_for_call(method, predicate)``.
Faults: ``block_chat(chat_id)``, ``rate_limit(retry_after, calls=None, seconds=None)``,
``server_error(calls, status=502)``, ``set_delay(seconds)``, ``clear_faults()``.

Fidelity: error answers use Telegram's status codes and descriptions; HTML is parsed the way
Telegram's parser (tdlib ``parse_html``) does, with its error messages; lengths count after
entity parsing and trimming; ``editMessageText`` without ``reply_markup`` removes the inline
keyboard, as on Telegram; returned Messages carry only an *inline* ``reply_markup``.
Deliberate gaps: Markdown parse modes are accepted but not parsed (the bot uses HTML), only
private chats exist, inline mode, payments and groups are not emulated.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

from bot.sandbox.api_calls import ApiError, bad, coerce_params
from bot.sandbox.methods import BotApiMethods
from bot.sandbox.models import CallRecord, ChatMessage, ChatState, SandboxUser, StoredFile, Upload
from bot.sandbox.users import UserSide

HARMLESS = {"close", "logout", "pinchatmessage", "unpinchatmessage", "unpinallchatmessages"}
T = TypeVar("T")


class Emulator(UserSide, BotApiMethods):
    """The Bot API server's state and behaviour for one bot, plus the users' side of the chats."""

    def __init__(
        self,
        bot_username: str = "miglobe_sandbox_bot",
        bot_name: str = "MiGlobe Sandbox",
        bot_id: int = 7000000001,
        first_update_id: int = 1,
    ) -> None:
        super().__init__(bot_username, bot_name, bot_id, first_update_id)
        # Telegram's method names are case-insensitive; handlers are found by their name.
        self._methods: dict[str, Callable[..., Any]] = {
            name[5:].lower(): getattr(self, name) for name in dir(self) if name.startswith("_api_")
        }

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0, what: str = "condition") -> T:
        """Wait until ``predicate()`` is truthy (re-checked on every change); return its value."""
        deadline = time.monotonic() + timeout
        while True:
            since = self._version
            if value := predicate():
                return value
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"sandbox: timed out after {timeout} s waiting for {what}")
            await self.wait_change(since, left)

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[ChatMessage], bool] | None = None,
        timeout: float = 5.0,
        from_bot: bool = True,
    ) -> ChatMessage:
        """Wait for a (bot's, by default) message in ``chat_id`` matching ``predicate``."""

        def find() -> ChatMessage | None:
            for message in reversed(self.messages_in(chat_id)):
                if message.from_bot == from_bot and (predicate is None or predicate(message)):
                    return message
            return None

        return await self.wait_for(find, timeout, f"a message in chat {chat_id}")

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[CallRecord], bool] | None = None,
        timeout: float = 5.0,
        after: int = 0,
    ) -> CallRecord:
        """Wait for a finished call of ``method`` (index >= ``after``) matching ``predicate``."""

        def find() -> CallRecord | None:
            for record in self.calls[after:]:
                if record.method.lower() == method.lower() and (not predicate or predicate(record)):
                    return record
            return None

        return await self.wait_for(find, timeout, f"a {method} call")

    # -- observability ---------------------------------------------------------------------

    def calls_to(self, method: str) -> list[CallRecord]:
        """Finished calls of ``method`` (case-insensitive), oldest first."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def messages_in(self, chat_id: int, include_deleted: bool = False) -> list[ChatMessage]:
        """Snapshots of the chat's messages in order, edits applied (``history`` holds the past).

        Cheap enough for ``wait_for`` predicates that run on every change: an edit replaces a
        message's ``data`` dict instead of mutating it, so snapshots share those (read-only) dicts.
        """
        chat = self._chats.get(int(chat_id))
        if chat is None:
            return []
        return [
            ChatMessage(m.data, m.from_bot, list(m.history), m.deleted)
            for m in chat.messages.values()
            if include_deleted or not m.deleted
        ]

    def chat_state(self, chat_id: int) -> ChatState:
        """The live state of a chat (reply keyboard, typing status, menu button)."""
        return self._chats[int(chat_id)]

    @property
    def users(self) -> list[SandboxUser]:
        """All users, in the order they were added."""
        return [chat.user for chat in self._chats.values()]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot."""
        return copy.deepcopy(self._updates)

    def next_update(self) -> dict[str, Any] | None:
        """The oldest unconfirmed update (what a webhook gets next), or None."""
        return copy.deepcopy(self._updates[0]) if self._updates else None

    def file(self, file_id: str) -> StoredFile | None:
        """A stored file by file_id or by its download path."""
        return self._files.get(file_id) or next((f for f in self._files.values() if f.path == file_id), None)

    def commands_for(self, chat_id: int, language_code: str = "") -> list[dict[str, str]]:
        """The command menu a user sees, resolved through scopes as Telegram does."""
        chat = json.dumps({"chat_id": int(chat_id), "type": "chat"}, sort_keys=True)
        scopes = [chat, json.dumps({"type": "all_private_chats"}), json.dumps({"type": "default"})]
        for scope in scopes:
            for lang in (language_code, ""):
                if (scope, lang) in self.commands:
                    return self.commands[(scope, lang)]
        return []

    # -- faults (wrappers so the page sees each change) --------------------------------------

    def block_chat(self, chat_id: int, blocked: bool = True) -> None:
        """Make every send to ``chat_id`` fail with 403 "bot was blocked by the user" (or undo)."""
        self.faults.block(chat_id, blocked)
        self._changed()

    def rate_limit(
        self,
        retry_after: int = 3,
        calls: int | None = None,
        seconds: float | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Answer 429 for the next ``calls`` sends or for ``seconds`` (see Faults.rate_limit)."""
        self.faults.rate_limit(retry_after, calls, seconds, chat_id)
        self._changed()

    def server_error(self, calls: int = 1, status: int = 502) -> None:
        """Answer 502 "Bad Gateway" (or ``status``) for the next ``calls`` sends."""
        self.faults.server_error(calls, status)
        self._changed()

    def set_delay(self, seconds: float) -> None:
        """Delay every Bot API call by ``seconds``."""
        self.faults.set_delay(seconds)
        self._changed()

    def clear_faults(self) -> None:
        """Remove every fault."""
        self.faults.clear()
        self._changed()

    # -- webhook delivery hooks (the server's deliverer uses these) ---------------------------

    def confirm_update(self, update_id: int) -> None:
        """Forget an update that a webhook answered with 2xx."""
        self._updates = [u for u in self._updates if u["update_id"] != update_id]
        self._changed()

    def webhook_failed(self, message: str) -> None:
        """Record a failed webhook delivery as getWebhookInfo reports it."""
        self.webhook.update(last_error_date=int(time.time()), last_error_message=message)
        self._changed()

    # -- Bot API entry point ----------------------------------------------------------------

    async def call(
        self, method: str, params: dict[str, Any], files: dict[str, Upload] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Execute a Bot API method; return (HTTP status, JSON body) as Telegram would."""
        files = files or {}
        shown = {**params, **{k: f"<file {u.filename!r}, {len(u.data)} bytes>" for k, u in files.items()}}
        record = CallRecord(method, shown, time.monotonic())
        try:
            if self.faults.delay_seconds:
                await asyncio.sleep(self.faults.delay_seconds)
            params = coerce_params(params)
            record.params = {**params, **{k: shown[k] for k in files}}
            handler = self._methods.get(method.lower())
            if handler is None and (method.lower().startswith("set") or method.lower() in HARMLESS):
                handler = self._harmless
            if handler is None:
                raise bad(f'unknown method "{method}"')  # never 404: PTB reads it as InvalidToken
            fault = self.faults.check(method, self._target_chat(method, params))
            if fault:
                raise ApiError(fault.status, fault.description, fault.parameters)
            result = handler(params, files)
            if asyncio.iscoroutine(result):
                result = await result
            status, body = 200, {"ok": True, "result": result}
            record.result = result
        except ApiError as exc:
            status, body = exc.status, exc.body()
            record.error = body
        record.finished = time.monotonic()
        self.calls.append(record)
        self._changed()
        return status, body

    # -- the page's view ----------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything the page shows, JSON-ready."""
        now = time.monotonic()
        users = []
        for chat in self._chats.values():
            user = chat.user
            action = chat.action if chat.action and chat.action[1] > now else None
            users.append({
                **user.to_api(), "language_code": user.language_code,
                "blocked": user.id in self.faults.blocked_chats,
                "messages": [{**m.data, "outgoing": not m.from_bot, "edit_count": m.edit_count}
                             for m in chat.messages.values() if not m.deleted],
                "reply_keyboard": chat.reply_keyboard,
                "action": {"name": action[0], "seconds": round(action[1] - now, 1)}
                if action else None,
                "commands": self.commands_for(user.id, user.language_code),
                "callbacks": [{"id": q.id, "message_id": q.message_id, "data": q.data,
                               "answer": q.answer}
                              for q in self.callback_queries.values() if q.user_id == user.id][-30:],
            })  # fmt: skip
        return {
            "version": self._version,
            "bot": dict(self.bot_user),
            "users": users,
            "faults": self.faults.snapshot(),
            "webhook": self.webhook.get("url", ""),
            "pending_updates": len(self._updates),
            "calls": len(self.calls),
        }
