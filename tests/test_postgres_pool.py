"""PostgreSQL's pool checks a connection before use only after it lay idle, and replaces a dead one."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from bot import postgres_pool
from bot.db import Database, is_transient


async def _backend(db: Database) -> int:
    """The server process behind the connection a transaction gets."""
    async with db.transaction() as session:
        return int(await session.scalar(text("SELECT pg_backend_pid()")) or 0)


async def _end(db: Database, pid: int) -> None:
    """The server ends a connection (as a restart or an idle timeout would)."""
    async with db.transaction() as session:
        await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


async def test_an_idle_connection_is_checked_and_one_used_moments_ago_is_not(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, other = Database(postgres_url), Database(postgres_url)
    try:
        # Used moments ago: taken as alive, not checked. Had the server ended it, the transaction
        # fails with a transient error (retried by every caller) and the next one has a new one.
        first = await _backend(db)
        await _end(other, first)
        with pytest.raises(Exception) as failed:
            await _backend(db)
        assert is_transient(failed.value)
        second = await _backend(db)
        assert second != first
        # Idle long enough: checked before use, found dead, replaced; the transaction never knows.
        await _end(other, second)
        monkeypatch.setattr(postgres_pool, "IDLE_SECONDS", 0.0)
        third = await _backend(db)
        assert third not in (first, second)
    finally:
        await db.dispose()
        await other.dispose()


async def test_the_connection_given_back_last_is_used_next(postgres_url: str) -> None:
    # Three transactions at once open three connections; afterwards, one after the other, each
    # transaction gets the connection the previous one gave back, so the others lie idle rather
    # than every connection taking turns (and lying idle long enough to be checked each time).
    db = Database(postgres_url)
    try:
        opened = set(await asyncio.gather(*(_held_backend(db) for _ in range(3))))
        assert len(opened) == 3
        used = [await _backend(db) for _ in range(6)]
        assert len(set(used)) == 1 and used[0] in opened
    finally:
        await db.dispose()


async def _held_backend(db: Database) -> int:
    """The server process behind a transaction that stays open a moment (so others open beside it)."""
    async with db.transaction() as session:
        pid = int(await session.scalar(text("SELECT pg_backend_pid()")) or 0)
        await asyncio.sleep(0.05)
        return pid
