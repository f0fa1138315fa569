"""What the tests of the shared inbox (PostgreSQL) share: raw updates and a recording queue."""

from __future__ import annotations

from collections.abc import Collection

from bot.runtime.inbox import InboxItem


def text_update(update_id: int, chat: int) -> dict[str, object]:
    """A raw private-chat text update."""
    person = {"id": chat, "is_bot": False, "first_name": "P"}
    message = {"message_id": update_id, "date": 0, "chat": {"id": chat, "type": "private"}, "from": person}
    return {"update_id": update_id, "message": {**message, "text": f"#{update_id}"}}


class RecordingQueue:
    """A dispatcher stand-in that records what it was given."""

    def __init__(self) -> None:
        self.items: list[InboxItem] = []

    async def submit(self, item: InboxItem) -> None:
        """Note ``item``."""
        self.items.append(item)

    def has(self, inbox_id: int) -> bool:
        """Whether the update was given."""
        return any(i.inbox_id == inbox_id for i in self.items)

    @property
    def chats(self) -> Collection[int]:
        """The chats of the updates given."""
        return {i.chat_key for i in self.items}
