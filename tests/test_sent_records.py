"""Delivered messages are recorded in group commits: sends that end together share a transaction,
and each sender goes on only once its own row is committed as sent."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.runtime import outbox, outbox_rows
from bot.runtime.outbox_rows import Claimed, as_claimed
from bot.runtime.sent_records import SentRecorder
from models import OutboxMessage, OutboxStatus


async def _rows(db: Database, count: int) -> list[Claimed]:
    """``count`` messages to as many chats, as the sender holds them after a claim."""
    async with db.transaction() as session:
        made = [outbox.enqueue_text(session, 7000 + n, f"Nachricht {n}") for n in range(count)]
        await session.flush()
        return [claimed for row in made for claimed in as_claimed([row])]


async def _statuses(db: Database) -> list[str]:
    """Every outbox row's status, oldest first."""
    async with db.transaction() as session:
        return list(await session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many transactions mark_sent ran in: one entry (the rows it marked) per transaction."""
    seen: list[int] = []
    real = outbox_rows.mark_sent
    sessions: dict[int, int] = {}

    async def counting(session: Any, row: Claimed, message_id: int | None) -> None:
        key = id(session)
        if key not in sessions:
            sessions[key] = len(seen)
            seen.append(0)
        seen[sessions[key]] += 1
        await real(session, row, message_id)

    monkeypatch.setattr(outbox_rows, "mark_sent", counting)
    return seen


async def test_sends_ending_together_share_one_transaction(
    database_url: str, transactions: list[int]
) -> None:
    db = Database(database_url)
    try:
        rows = await _rows(db, 12)
        recorder = SentRecorder(db)
        await asyncio.gather(*(recorder.record(row, 100 + n) for n, row in enumerate(rows)))
        assert await _statuses(db) == [OutboxStatus.SENT.value] * 12
        assert transactions == [12]
    finally:
        await db.dispose()


async def test_a_lone_send_is_committed_before_its_sender_goes_on(database_url: str) -> None:
    db = Database(database_url)
    try:
        first, _second = await _rows(db, 2)
        recorder = SentRecorder(db)
        await recorder.record(first, 1)
        assert await _statuses(db) == [OutboxStatus.SENT.value, OutboxStatus.PENDING.value]
    finally:
        await db.dispose()


async def test_a_failed_record_reaches_every_sender_of_its_transaction(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(database_url)
    try:
        rows = await _rows(db, 3)

        async def broken(*_args: Any) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr(outbox_rows, "mark_sent", broken)
        recorder = SentRecorder(db)
        results = await asyncio.gather(*(recorder.record(row, None) for row in rows), return_exceptions=True)
        assert all(isinstance(result, RuntimeError) for result in results)
        assert await _statuses(db) == [OutboxStatus.PENDING.value] * 3  # left for the lease to bring back
    finally:
        await db.dispose()
