"""Replies handed from the handler's commit straight to the sender (no claim round), and kept in
order behind whatever their chat still has pending."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.runtime import outbox, outbox_rows
from bot.runtime.handoff import HandOff
from bot.runtime.outbox_rows import Claimed
from bot.runtime.rate_limit import SendRateLimiter
from bot.runtime.sender import OutboxSender
from models import OutboxLane, OutboxMessage, OutboxStatus, utcnow
from tests.harness import Harness, TelegramUser
from tests.transactions import record_transactions, recorded_statements

ADA = TelegramUser(901, "Ada", "de")


@pytest.fixture
async def harness(database_url: str) -> AsyncIterator[Harness]:
    """The bot with its real handlers, offline, with its sender running."""
    from tests.harness import bot_harness

    async with bot_harness(database_url) as h:
        await h.runtime.sender.start()
        try:
            yield h
        finally:
            await h.runtime.sender.stop(timeout=1)


@pytest.fixture
def claimed_rows(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of every row the sender's claim round leased."""
    seen: list[int] = []
    real = outbox_rows.claim

    async def counting(*args: Any, **kwargs: Any) -> dict[int, list[Claimed]]:
        batches = await real(*args, **kwargs)
        seen.extend(row.id for rows in batches.values() for row in rows)
        return batches

    monkeypatch.setattr(outbox_rows, "claim", counting)
    return seen


async def _statuses(db: Database, chat_id: int) -> list[str]:
    """The statuses of ``chat_id``'s outbox rows, oldest first."""
    async with db.transaction() as session:
        query = select(OutboxMessage.status).where(OutboxMessage.chat_id == chat_id)
        return list(await session.scalars(query.order_by(OutboxMessage.id)))


async def _until(condition: Any, timeout: float = 5.0) -> None:
    """Wait until the coroutine function ``condition`` returns true."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_reply_to_an_idle_chat_goes_out_without_a_claim_round(
    harness: Harness, claimed_rows: list[int]
) -> None:
    db = harness.runtime.db
    with recorded_statements(db) as statements:
        sent = await harness.text(ADA, "/start")
    assert sent
    # Whether earlier replies wait was answered by the statement that stored the update.
    assert not [s for s in statements if s.startswith("SELECT outbox.id \nFROM outbox")]

    async def all_sent() -> bool:
        statuses = await _statuses(db, ADA.id)
        return bool(statuses) and set(statuses) == {OutboxStatus.SENT.value}

    await _until(all_sent)
    assert any(method == "sendMessage" for method, _ in harness.api.calls)
    assert claimed_rows == []  # handed over at the commit, never looked for


async def test_a_reply_waits_behind_an_earlier_pending_row_of_its_chat(
    harness: Harness, claimed_rows: list[int]
) -> None:
    db = harness.runtime.db
    async with db.transaction() as session:  # a message to Ada that is backing off after an error
        earlier = outbox.enqueue_text(session, ADA.id, "earlier")
        earlier.next_attempt_at = utcnow() + timedelta(hours=1)
    await harness.text(ADA, "/start")
    async with db.transaction() as session:
        reply = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.chat_id == ADA.id).order_by(OutboxMessage.id.desc())
            )
        ).first()
    assert reply is not None and reply.claimed_by is None and reply.next_attempt_at <= utcnow()
    harness.runtime.sender.wake()
    await asyncio.sleep(0.3)
    assert await _statuses(db, ADA.id) == [OutboxStatus.PENDING.value] * 2  # nothing overtook
    assert not [call for call in harness.api.calls if call[0] == "sendMessage"]


class _SlowTelegram:
    """A Bot API whose first call waits until released; notes the texts as the calls end."""

    def __init__(self) -> None:
        self.started = 0
        self.texts: list[str] = []
        self.release = asyncio.Event()

    async def do_api_request(self, method: str, api_kwargs: dict[str, Any]) -> dict[str, Any]:
        """The first call waits for :attr:`release`; each notes its text when it ends."""
        self.started += 1
        if self.started == 1:
            await self.release.wait()
        self.texts.append(api_kwargs["text"])
        return {"message_id": self.started}


async def test_rows_handed_to_a_chat_still_sending_follow_its_rows(database_url: str) -> None:
    db = Database(database_url)
    bot = _SlowTelegram()
    sender = OutboxSender(db, bot, SendRateLimiter(per_second=30, reply_per_second=300))  # type: ignore[arg-type]
    await sender.start()
    try:
        async with db.transaction() as session:
            rows = [outbox.enqueue_text(session, 7, text, lane=OutboxLane.REPLY) for text in ("one", "two")]
            for row in rows:  # leased, as a handler's commit leaves them: the claim never sees them
                row.next_attempt_at = utcnow() + outbox_rows.LEASE
            await session.flush()
            claimed = outbox_rows.as_claimed(rows)
        sender.hand_off(HandOff(7, claimed[:1]))
        await _until(lambda: asyncio.sleep(0, bot.started >= 1))
        sender.hand_off(HandOff(7, claimed[1:]))  # while "one" is on its way
        await asyncio.sleep(0.1)  # a second task for the chat would have made its call by now
        bot.release.set()
        await _until(lambda: asyncio.sleep(0, len(bot.texts) == 2))
        assert bot.texts == ["one", "two"]
        await _until(lambda: asyncio.sleep(0, not sender._busy_chats))
        assert await _statuses(db, 7) == [OutboxStatus.SENT.value] * 2
    finally:
        await sender.stop(timeout=1)
        await db.dispose()


async def test_only_storing_an_update_waits_for_the_disk(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The transaction that stores an update (and so confirms it to Telegram) is durable; handling
    it apart, which the inbox can repeat, is not (a lone update to an idle chat is handled in its
    storing transaction: tests/test_lone_update.py)."""
    flags = record_transactions(harness, monkeypatch)
    assert harness.runtime.dispatcher.hold(ADA.id)  # the chat has an update in hand
    payload = {"update_id": 1, "message": harness._message(ADA, text="Hallo")}
    accepted = await harness.runtime.accept([payload])
    assert flags == [True] and accepted
    harness.runtime.dispatcher.release(ADA.id)
    await harness.runtime.dispatcher.join()
    assert flags[:2] == [True, False] and flags.count(True) == 1
