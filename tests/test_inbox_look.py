"""The shared inbox's look (PostgreSQL), five times a second: one that finds nothing to do costs
one statement and no transaction (three once a second, with the liveness check); one that finds
another process's update still queues it."""

from __future__ import annotations

import asyncpg
import pytest

from bot.db import Database
from bot.runtime import inbox
from bot.runtime.shared_inbox import SharedInbox
from tests.shared_inbox_helpers import RecordingQueue, text_update
from tests.transactions import recorded_statements


async def test_a_look_that_finds_nothing_opens_no_transaction(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, queue = Database(postgres_url), RecordingQueue()
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
            await inbox.store(session, [text_update(1, 11)])
        begun.clear()
        assert await shared.look() == 1
        assert [item.update_id for item in queue.items] == [1]
        assert begun == ["BEGIN"]  # taking the chat's lease
    finally:
        await shared.liveness.release()
        await db.dispose()
