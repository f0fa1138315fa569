"""The sandbox's records (users, messages, calls, files) and the shared state they live in."""

from __future__ import annotations

import asyncio
import copy
import itertools
import struct
import time
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.api_calls import ApiError, bad
from bot.sandbox.faults import Faults


@dataclass
class SandboxUser:
    """A person using the bot in a private chat (the chat id equals the user id)."""

    id: int
    first_name: str
    language_code: str = "de"
    last_name: str | None = None
    username: str | None = None

    def to_api(self) -> dict[str, Any]:
        """The Telegram ``User`` object."""
        out: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if value := getattr(self, key):
                out[key] = value
        return out

    def chat(self) -> dict[str, Any]:
        """The Telegram ``Chat`` object of the private chat with this user."""
        out: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if value := getattr(self, key):
                out[key] = value
        return out


@dataclass
class ChatMessage:
    """A message as a client shows it now (``data`` is Telegram's Message), plus its history."""

    data: dict[str, Any]
    from_bot: bool
    history: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False

    @property
    def message_id(self) -> int:
        """Telegram's message_id (unique within the chat)."""
        return int(self.data["message_id"])

    @property
    def text(self) -> str | None:
        """The text, or the caption of a media message."""
        return self.data.get("text", self.data.get("caption"))

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        """The inline keyboard currently attached, if any."""
        return self.data.get("reply_markup")

    @property
    def edit_count(self) -> int:
        """How many times the bot edited this message."""
        return len(self.history)

    def buttons(self) -> list[dict[str, Any]]:
        """All inline buttons, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]


@dataclass
class ChatState:
    """Per-chat state a client keeps: messages, the shown reply keyboard, the typing status."""

    user: SandboxUser
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    next_id: int = 1
    reply_keyboard: dict[str, Any] | None = None
    action: tuple[str, float] | None = None
    menu_button: dict[str, Any] | None = None


@dataclass
class CallRecord:
    """One Bot API call: what the bot sent and what the sandbox answered."""

    method: str
    params: dict[str, Any]
    time: float  # time.monotonic() when the request arrived
    finished: float = 0.0
    result: Any = None
    error: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """True when the call succeeded."""
        return self.error is None


@dataclass
class CallbackQuery:
    """A button press and the bot's answer to it (None until answerCallbackQuery)."""

    id: str
    user_id: int
    message_id: int
    data: str | None
    time: float
    answer: dict[str, Any] | None = None


@dataclass
class StoredFile:
    """File contents known to the sandbox (uploaded by the bot or sent by a user)."""

    file_id: str
    unique_id: str
    kind: str  # document, photo, sticker, voice
    data: bytes
    file_name: str
    mime_type: str
    path: str


@dataclass
class Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG image; None when it is not one of those."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data) and data[i] == 0xFF:
            marker, size = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + size
        return (0, 0)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return (0, 0)
    return None


DEFAULT_UPDATES = frozenset({"message", "edited_message", "callback_query", "my_chat_member"})


class SandboxState:
    """The state shared by the Bot API side and the users' side, and its change signal.

    Every observable change calls :meth:`_changed`, which wakes long polls (getUpdates, the
    page's event feed) and :meth:`Emulator.wait_for`: waiting is event-driven, never a sleep loop.
    """

    def __init__(
        self,
        bot_username: str = "miglobe_sandbox_bot",
        bot_name: str = "MiGlobe Sandbox",
        bot_id: int = 7000000001,
        first_update_id: int = 1,
    ) -> None:
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.faults = Faults()
        self.calls: list[CallRecord] = []
        self.callback_queries: dict[str, CallbackQuery] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.webhook: dict[str, Any] = {"url": ""}
        self.closing = False
        self._chats: dict[int, ChatState] = {}
        self._files: dict[str, StoredFile] = {}
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = first_update_id
        self._allowed: set[str] = set(DEFAULT_UPDATES)
        self._default_menu: dict[str, Any] = {"type": "commands"}
        self._ids = itertools.count(1)
        self._user_ids = itertools.count(100001)
        self._poller = 0
        self._active_poll: int | None = None  # the getUpdates request now waiting
        self._version = 0
        self._waiters: list[asyncio.Future[None]] = []
        # Seconds the bot's clock runs ahead (the page's ⏩ control): message dates follow it.
        self.clock_offset = 0.0
        # Grows with every reset, so the page knows to drop what it shows.
        self.generation = 0
        # Removed users: sends to them fail as to a deleted Telegram account.
        self._removed: set[int] = set()

    def now(self) -> int:
        """Telegram's ``date`` for a new message or edit: Unix time, moved with the bot's clock."""
        return int(time.time() + self.clock_offset)

    # -- change notification: every state change wakes long polls, the page and wait_for ----

    @property
    def version(self) -> int:
        """A counter that grows with every change the page or a test could observe."""
        return self._version

    def _changed(self) -> None:
        self._version += 1
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def notify(self) -> None:
        """Signal a change made outside the emulator that the page shows (e.g. a user's role)."""
        self._changed()

    async def wait_change(self, since: int, timeout: float) -> int:
        """Wait until :attr:`version` exceeds ``since`` or ``timeout`` passes; return the version."""
        if self._version <= since and timeout > 0 and not self.closing:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, timeout)
            except TimeoutError:
                pass
        return self._version

    def close(self) -> None:
        """Release every long poll now (the server is stopping)."""
        self.closing = True
        self._changed()

    def _push_update(self, kind: str, payload: dict[str, Any]) -> None:
        if kind in self._allowed:  # Telegram filters when the update is created, as here
            self._updates.append({"update_id": self._next_update_id, kind: copy.deepcopy(payload)})
            self._next_update_id += 1
        self._changed()

    def _store(self, kind: str, data: bytes, file_name: str, mime_type: str) -> StoredFile:
        n = next(self._ids)
        ext = file_name.rsplit(".", 1)[-1][:8] if "." in file_name else "bin"
        stored = StoredFile(
            f"SBX{kind[:3].upper()}{n:08d}AAQ",
            f"AgAD{n:06d}",
            kind,
            data,
            file_name or f"file_{n}.{ext}",
            mime_type or "application/octet-stream",
            f"{kind}s/file_{n}.{ext}",
        )
        self._files[stored.file_id] = stored
        return stored

    def _chat(self, p: dict[str, Any]) -> ChatState:
        chat_id = p.get("chat_id")
        if chat_id in (None, ""):
            raise bad("chat_id is empty")
        if isinstance(chat_id, int) and chat_id in self._removed:
            raise ApiError(403, "Forbidden: user is deactivated")
        if not isinstance(chat_id, int) or chat_id not in self._chats:
            raise bad("chat not found")
        return self._chats[chat_id]

    @staticmethod
    def _int(value: Any, default: int, name: str) -> int:
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad(f'field "{name}" must be of type Integer') from None


# A valid 1×1 PNG: what a user's "photo" contains unless a test passes real bytes.
TINY_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\xa7\xd6\x93"
    b"\x8b\x00\x00\x00\x00IEND\xaeB`\x82"
)
