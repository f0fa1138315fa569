"""Drive the real handlers through the runtime's ``handle`` (and so PTB's ``process_update``)
without any network: the Bot API is an in-memory transport that records calls."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
from sqlalchemy import select
from telegram.request import HTTPXRequest

from bot import migrate
from bot.config import load_settings
from bot.db import Database
from bot.runtime.sender import OutboxSender
from bot.wiring import BotRuntime
from models import OutboxMessage

TEST_TOKEN = "123456789:TEST_token_for_offline_runs_only_xx"
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "MiGlobe",
    "username": "miglobe_test_bot",
}


@dataclass
class OfflineApi:
    """Answers Bot API calls in memory and records them."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1]
        body = request.content.decode() if request.content else ""
        params: dict[str, Any] = {}
        if body and request.headers.get("content-type", "").startswith("application/x-www-form"):
            params = {k: v[0] for k, v in parse_qs(body).items()}
        self.calls.append((method, params))
        result: Any = True
        if method == "getMe":
            result = BOT_USER
        elif method == "getUpdates":
            result = []
        elif method.startswith("send") or method == "editMessageText":
            result = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
                "text": params.get("text", ""),
            }
        return httpx.Response(200, json={"ok": True, "result": result})


@dataclass
class Sent:
    """An outgoing call the handlers enqueued."""

    method: str
    chat_id: int
    payload: dict[str, Any]

    @property
    def text(self) -> str:
        """The message text ('' for calls without one)."""
        return str(self.payload.get("text", ""))

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of every inline button."""
        markup = self.payload.get("reply_markup") or {}
        return [
            (b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row
        ]


@dataclass
class TelegramUser:
    """A person in a test."""

    id: int
    first_name: str = "Test"
    language_code: str | None = "de"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            data["language_code"] = self.language_code
        return data


class Harness:
    """Feeds updates through the runtime and returns what each one enqueued."""

    def __init__(self, runtime: BotRuntime, api: OfflineApi) -> None:
        self.runtime = runtime
        self.api = api
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self.last_payload: dict[str, Any] | None = None

    def _message(self, user: TelegramUser, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": user.as_dict(),
            **content,
        }

    async def feed(self, payload: dict[str, Any]) -> list[Sent]:
        """Handle one raw update completely; return the calls it enqueued."""
        payload = {"update_id": next(self._update_ids), **payload}
        self.last_payload = payload
        return await self._handle(payload)

    async def repeat_last(self) -> list[Sent]:
        """Deliver the last update again, with the same update_id (as Telegram does after a lost ack)."""
        assert self.last_payload is not None
        return await self._handle(self.last_payload)

    async def _handle(self, payload: dict[str, Any]) -> list[Sent]:
        items = await self.runtime.accept([payload])
        await self.runtime.dispatcher.join()
        if not items:
            return []
        async with self.runtime.db.transaction() as session:
            rows = await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.inbox_id == items[0].inbox_id)
                .order_by(OutboxMessage.id)
            )
            return [Sent(r.method, r.chat_id, r.payload) for r in rows]

    async def text(self, user: TelegramUser, text: str) -> list[Sent]:
        """The user sends ``text`` (commands get their bot_command entity)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return await self.feed({"message": self._message(user, **content)})

    async def sticker(self, user: TelegramUser) -> list[Sent]:
        """The user sends a sticker."""
        sticker = {
            "file_id": "s1",
            "file_unique_id": "u1",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
        return await self.feed({"message": self._message(user, sticker=sticker)})

    async def photo(self, user: TelegramUser) -> list[Sent]:
        """The user sends a photo."""
        photo = [{"file_id": "p1", "file_unique_id": "pu1", "width": 90, "height": 90}]
        return await self.feed({"message": self._message(user, photo=photo)})

    async def voice(self, user: TelegramUser) -> list[Sent]:
        """The user sends a voice message."""
        voice = {"file_id": "v1", "file_unique_id": "vu1", "duration": 3}
        return await self.feed({"message": self._message(user, voice=voice)})

    async def press(self, user: TelegramUser, data: str, message_id: int = 1) -> list[Sent]:
        """The user presses a button carrying ``data`` on the bot's message ``message_id``."""
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": BOT_USER,
            "text": "…",
        }
        query = {
            "id": str(next(self._update_ids) * 7),
            "from": user.as_dict(),
            "chat_instance": "ci",
            "message": message,
            "data": data,
        }
        return await self.feed({"callback_query": query})

    async def location(self, user: TelegramUser) -> list[Sent]:
        """The user shares a location."""
        location = {"latitude": 48.52, "longitude": 9.05}
        return await self.feed({"message": self._message(user, location=location)})

    async def document(self, user: TelegramUser) -> list[Sent]:
        """The user sends a file."""
        document = {"file_id": "d1", "file_unique_id": "du1", "file_name": "brief.pdf"}
        return await self.feed({"message": self._message(user, document=document)})

    async def edited_text(self, user: TelegramUser, text: str) -> list[Sent]:
        """The user edits a text message sent earlier."""
        message = {**self._message(user, text=text), "edit_date": int(time.time())}
        return await self.feed({"edited_message": message})

    def _group_chat(self, chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "type": "group", "title": "Rathaus-Team"}

    async def text_in_group(self, user: TelegramUser, text: str, chat_id: int = -1001) -> list[Sent]:
        """The user writes ``text`` in a group the bot is in."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        message = {**self._message(user, **content), "chat": self._group_chat(chat_id)}
        return await self.feed({"message": message})

    async def press_in_group(
        self, user: TelegramUser, data: str, chat_id: int = -1001, message_id: int = 1
    ) -> list[Sent]:
        """The user presses a button on a bot message in a group (possibly meant for someone else)."""
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._group_chat(chat_id),
            "from": BOT_USER,
            "text": "…",
        }
        query = {
            "id": str(next(self._update_ids) * 7),
            "from": user.as_dict(),
            "chat_instance": "group",
            "message": message,
            "data": data,
        }
        return await self.feed({"callback_query": query})

    def answered_callbacks(self) -> list[dict[str, Any]]:
        """Every answerCallbackQuery made so far."""
        return [params for method, params in self.api.calls if method == "answerCallbackQuery"]


async def drain_outbox(db: Database, sender: OutboxSender, rounds: int = 400) -> None:
    """Run ``sender`` until no message is pending (fails if it does not get there)."""
    await sender.start()
    try:
        for _ in range(rounds):
            async with db.transaction() as session:
                pending = await session.scalar(
                    select(OutboxMessage.id).where(OutboxMessage.status == "pending").limit(1)
                )
            if pending is None:
                return
            sender.wake()
            await asyncio.sleep(0.05)
        raise AssertionError("the sender did not finish")
    finally:
        await sender.stop(timeout=5)


@asynccontextmanager
async def bot_harness(database_url: str, **settings: Any) -> AsyncIterator[Harness]:
    """A migrated database and an initialised application that never touches the network."""
    # Tests send at machine speed; the flood guard is tested where a test asks for it (flood_burst=…).
    settings.setdefault("flood_burst", 1_000_000)
    config = load_settings(database_url=database_url, bot_token=TEST_TOKEN, **settings)
    api = OfflineApi()
    request = HTTPXRequest(httpx_kwargs={"transport": httpx.MockTransport(api)})
    runtime = BotRuntime(config, TEST_TOKEN, request=request)
    await migrate.upgrade(database_url)
    await runtime.application.initialize()
    try:
        yield Harness(runtime, api)
    finally:
        if runtime.shared is not None:
            await runtime.shared.stop()
        await runtime.application.shutdown()
        await runtime.db.dispose()


@asynccontextmanager
async def restarted(old: Harness, **settings: Any) -> AsyncIterator[Harness]:
    """A new runtime (a restarted bot) on ``old``'s database; update and message ids continue."""
    config = old.runtime.settings
    if old.runtime.shared is not None:
        await old.runtime.shared.stop()  # a clean stop hands its chats on (a crash: after one lease)
    async with bot_harness(config.database_url, coordinator_ids=config.coordinator_ids, **settings) as new:
        new._update_ids = old._update_ids
        new._message_ids = old._message_ids
        yield new


def decode(params: dict[str, Any], key: str) -> Any:
    """A JSON-encoded form field of a recorded call."""
    return json.loads(params[key])
