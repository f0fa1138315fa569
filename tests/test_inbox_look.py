"""The shared inbox's look (PostgreSQL), five times a second: one that finds nothing to do costs
one statement and no transaction (three once a second, with the liveness check); one that finds
another process's update still queues it."""

from __future__ import annotations

from collections.abc import Collection

import asyncpg
import pytest

from bot.db import Database
from bot.runtime import inbox
from bot.runtime.inbox import InboxItem
from bot.runtime.shared_inbox import SharedInbox
from tests.transactions import recorded_statements


class _Queue:
    """A dispatcher stand-in that records what it was given."""

    def __init__(self) -> None:
        self.items: list[InboxItem] = []

    async def submit(self, item: InboxItem) -> None:
        self.items.append(item)

    def has(self, inbox_id: int) -> bool:
        return any(i.inbox_id == inbox_id for i in self.items)

    @property
    def chats(self) -> Collection[int]:
        return {i.chat_key for i in self.items}


def _message(update_id: int, chat: int) -> dict[str, object]:
    """A raw private-chat text update."""
    person = {"id": chat, "is_bot": False, "first_name": "P"}
    message = {"message_id": update_id, "date": 0, "chat": {"id": chat, "type": "private"}, "from": person}
    return {"update_id": update_id, "message": {**message, "text": f"#{update_id}"}}


async def test_a_look_that_finds_nothing_opens_no_transaction(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, queue = Database(postgres_url), _Queue()
    shared = SharedInbox(db, 30, queue)
    try:
        await shared.look()  # the first holds the liveness lock, frees the gone's and renews
        begun: list[str] = []
        real_start = asyncpg.transaction.Transaction.start

        async def counting(self: asyncpg.transaction.Transaction) -> None:
            begun.append("BEGIN")
            await real_start(self)

        monkeypatch.setattr(asyncpg.transaction.Transaction, "start", counting)
        with recorded_statements(db) as statements:
            for _ in range(3):
                assert await shared.look() == 0
        assert begun == [] and len(statements) == 3  # one read each
        # Once a second a look also checks its liveness lock and who else holds anything: with
        # nobody else, that is two reads more and still no transaction.
        shared._since_liveness = float("-inf")
        with recorded_statements(db) as statements:
            assert await shared.look() == 0
        assert begun == [] and len(statements) == 3
        # An update another process stored and left pending is still found and queued.
        async with db.transaction() as session:
            await inbox.store(session, [_message(1, 11)])
        begun.clear()
        assert await shared.look() == 1
        assert [item.update_id for item in queue.items] == [1]
        assert begun == ["BEGIN"]  # taking the chat's lease
    finally:
        await shared.liveness.release()
        await db.dispose()
