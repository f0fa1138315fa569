"""The users' side of the sandbox: what a person can do in a Telegram client."""

from __future__ import annotations

import copy
import time
from typing import Any

from bot.sandbox.formatting import MAX_TEXT, auto_entities
from bot.sandbox.models import (
    TINY_PNG,
    CallbackQuery,
    ChatMessage,
    ChatState,
    SandboxState,
    SandboxUser,
    image_size,
)

# Where a Telegram app prefers to cut an over-long message, best first.
CUT_AT = ("\n\n", "\n", ". ", "! ", "? ", " ")


def split_like_telegram(text: str, limit: int = MAX_TEXT) -> list[str]:
    """The messages a Telegram app sends for ``text``: parts of at most ``limit`` UTF-16 units,
    cut at a paragraph, line, sentence or word in the part's second half when there is one."""
    parts: list[str] = []
    rest = text.strip()
    while rest:
        units, fits = 0, 0
        for char in rest:
            units += 2 if ord(char) > 0xFFFF else 1
            if units > limit:
                break
            fits += 1
        if fits == len(rest):
            parts.append(rest)
            break
        cut = fits
        for mark in CUT_AT:
            at = rest.rfind(mark, 0, fits - len(mark) + 1)
            if at >= fits // 2:
                cut = at + len(mark)
                break
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [part for part in parts if part]


class UserSide(SandboxState):
    """Users' actions; each creates the update Telegram would deliver to the bot."""

    def add_user(
        self,
        first_name: str,
        language_code: str = "de",
        user_id: int | None = None,
        last_name: str | None = None,
        username: str | None = None,
    ) -> SandboxUser:
        """Add a user with a private chat (chat id == user id); ids are assigned if omitted."""
        uid = int(user_id) if user_id is not None else next(self._user_ids)
        while user_id is None and uid in self._chats:
            uid = next(self._user_ids)
        if uid in self._chats:
            raise ValueError(f"sandbox user {uid} exists already")
        user = SandboxUser(uid, first_name, language_code, last_name, username)
        self._removed.discard(uid)  # an id given again is a new account
        self._chats[uid] = ChatState(user)
        self._changed()
        return user

    def remove_user(self, user_id: int) -> None:
        """Remove a user and their chat; the bot's sends to them fail as to a deleted account."""
        chat = self._user_chat(user_id)
        del self._chats[chat.user.id]
        self._removed.add(chat.user.id)
        self._updates = [u for u in self._updates if _sender_id(u) != chat.user.id]
        self._changed()

    def reset(self, users: list[SandboxUser]) -> None:
        """Start over: empty chats for ``users`` (same ids), no updates, calls, files or faults."""
        self._chats = {user.id: ChatState(user) for user in users}
        self._removed.clear()
        self._updates.clear()
        self._files.clear()
        self.calls.clear()
        self.callback_queries.clear()
        self.commands.clear()
        self.faults.clear()
        self.clock_offset = 0.0
        self.generation += 1
        self._changed()

    def _user_chat(self, user_id: int) -> ChatState:
        """The chat of a sandbox user, or a ValueError naming the unknown id."""
        try:
            return self._chats[int(user_id)]
        except (KeyError, ValueError):
            raise ValueError(f"unknown sandbox user {user_id}") from None

    def _user_message(self, user_id: int, content: dict[str, Any]) -> dict[str, Any]:
        """A new message from the user, as the Bot API would describe it."""
        chat = self._user_chat(user_id)
        data = {
            "message_id": chat.next_id,
            "from": chat.user.to_api(),
            "chat": chat.user.chat(),
            "date": self.now(),
            **content,
        }
        chat.next_id += 1
        chat.messages[data["message_id"]] = ChatMessage(data, from_bot=False)
        self._push_update("message", data)
        return copy.deepcopy(data)

    def send_text(self, user_id: int, text: str) -> dict[str, Any]:
        """The user sends ``text``; commands get ``bot_command`` entities. Returns the Message."""
        if not text.strip():
            raise ValueError("a Telegram client does not send empty messages")
        chat = self._user_chat(user_id)
        keyboard = chat.reply_keyboard
        if (
            keyboard
            and keyboard.get("one_time_keyboard")
            and any(b.get("text") == text for row in keyboard["keyboard"] for b in row)
        ):
            chat.reply_keyboard = None  # a one-time keyboard hides after its button is used
        entities = auto_entities(text, [])
        return self._user_message(user_id, {"text": text, **({"entities": entities} if entities else {})})

    def type_text(self, user_id: int, text: str) -> list[dict[str, Any]]:
        """What the page's input does: text over 4,096 characters goes out as several messages,
        as a Telegram app sends it. Returns the Messages."""
        parts = split_like_telegram(text)
        if not parts:
            raise ValueError("a Telegram client does not send empty messages")
        return [self.send_text(user_id, part) for part in parts]

    def start(self, user_id: int, payload: str | None = None) -> dict[str, Any]:
        """The user opens the bot, optionally through a deep link ``t.me/bot?start=payload``."""
        return self.send_text(user_id, f"/start {payload}" if payload else "/start")

    def _user_file(self, kind: str, data: bytes, name: str, mime: str) -> dict[str, Any]:
        """Store a file the user sends and describe it as the Bot API would."""
        stored = self._store(kind, data, name, mime)
        return {"file_id": stored.file_id, "file_unique_id": stored.unique_id, "file_size": len(data)}

    def send_sticker(self, user_id: int, emoji: str = "👍") -> dict[str, Any]:
        """The user sends a sticker."""
        sticker = {
            **self._user_file("sticker", b"RIFF\x00\x00\x00\x00WEBP", "sticker.webp", "image/webp"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._user_message(user_id, {"sticker": sticker})

    def send_photo(
        self, user_id: int, caption: str | None = None, data: bytes | None = None
    ) -> dict[str, Any]:
        """The user sends a photo (a tiny PNG unless ``data`` is given)."""
        data = data or TINY_PNG
        width, height = image_size(data) or (1, 1)
        photo = {**self._user_file("photo", data, "photo.png", "image/png"), "width": width, "height": height}
        return self._user_message(user_id, {"photo": [photo], **({"caption": caption} if caption else {})})

    def send_voice(self, user_id: int, duration: int = 2) -> dict[str, Any]:
        """The user sends a voice message."""
        voice = {
            **self._user_file("voice", b"OggS\x00sandbox", "voice.ogg", "audio/ogg"),
            "duration": duration,
            "mime_type": "audio/ogg",
        }
        return self._user_message(user_id, {"voice": voice})

    def send_location(
        self, user_id: int, latitude: float = 48.7758, longitude: float = 9.1829
    ) -> dict[str, Any]:
        """The user shares a location (Stuttgart by default)."""
        return self._user_message(user_id, {"location": {"latitude": latitude, "longitude": longitude}})

    def send_document(
        self,
        user_id: int,
        file_name: str = "notes.txt",
        data: bytes = b"sandbox document\n",
        mime_type: str = "text/plain",
        caption: str | None = None,
    ) -> dict[str, Any]:
        """The user sends a file."""
        document = {
            **self._user_file("document", data, file_name, mime_type),
            "file_name": file_name,
            "mime_type": mime_type,
        }
        return self._user_message(
            user_id, {"document": document, **({"caption": caption} if caption else {})}
        )

    def press_button(
        self,
        user_id: int,
        message_id: int,
        data: str | None = None,
        forge: bool = False,
        text: str | None = None,
    ) -> str:
        """The user presses the inline button with ``data`` (or ``text``); returns the query id.

        Without ``forge`` the button must exist on the message as it is now, as in a real
        client; ``forge=True`` sends any ``data`` (a modified client) to test authorisation.
        """
        chat = self._user_chat(user_id)
        message = chat.messages.get(int(message_id))
        if message is None or message.deleted:
            raise ValueError(f"message {message_id} not found in chat {user_id}")
        if not forge:
            button = next(
                (
                    b
                    for b in message.buttons()
                    if "callback_data" in b
                    and (
                        (data is not None and b["callback_data"] == data)
                        or (data is None and b["text"] == text)
                    )
                ),
                None,
            )
            if button is None:
                raise ValueError(f"message {message_id} has no button {data or text!r}")
            data = button["callback_data"]
        query_id = f"{user_id}{next(self._ids):09d}"
        self.callback_queries[query_id] = CallbackQuery(
            query_id, int(user_id), int(message_id), data, time.monotonic()
        )
        self._push_update(
            "callback_query",
            {
                "id": query_id,
                "from": chat.user.to_api(),
                "message": copy.deepcopy(message.data),
                "chat_instance": str(7_000_000_000_000 + int(user_id)),
                "data": data,
            },
        )
        return query_id


def _sender_id(update: dict[str, Any]) -> int | None:
    """The user who caused ``update`` (a message or a button press)."""
    for kind in ("message", "callback_query"):
        if kind in update:
            return int(update[kind]["from"]["id"])
    return None
