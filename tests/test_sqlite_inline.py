"""SQLite in place: statements run on the event loop's thread, and nothing in the process ever
waits for SQLite's lock there (writers queue first, readers begin deferred)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from sqlalchemy import text

from bot import migrate
from bot.db import Database


async def _database(tmp_path: Path) -> Database:
    """A migrated SQLite database in ``tmp_path``."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}"
    await migrate.upgrade(url)
    return Database(url)


async def test_statements_run_on_the_event_loops_thread(tmp_path: Path) -> None:
    db = await _database(tmp_path)
    try:
        async with db.transaction() as session:
            connection = await session.connection()
            raw = (await connection.get_raw_connection()).driver_connection
            raw._conn.create_function("thread_id", 0, threading.get_ident)
            ran_on = await session.scalar(text("SELECT thread_id()"))
        assert ran_on == threading.get_ident()
    finally:
        await db.dispose()


async def test_a_reader_is_not_held_by_an_open_write_transaction(tmp_path: Path) -> None:
    db = await _database(tmp_path)
    try:
        async with db.transaction() as session:
            await session.execute(text("DELETE FROM inbox"))  # holds the write lock from here
            async with asyncio.timeout(5), db.reads.connect() as reader:
                assert await reader.scalar(text("SELECT count(*) FROM inbox")) == 0
    finally:
        await db.dispose()


async def test_two_databases_on_one_file_take_turns(tmp_path: Path) -> None:
    first, second = await _database(tmp_path), Database(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}")
    order: list[str] = []

    async def later_writer() -> None:
        async with second.transaction() as session:
            order.append("second")
            await session.execute(text("DELETE FROM inbox"))

    try:
        async with first.transaction() as session:
            await session.execute(text("DELETE FROM inbox"))
            waiting = asyncio.create_task(later_writer())
            await asyncio.sleep(0.2)  # the loop runs on: the second one waits in line, not in SQLite
            order.append("first")
        await asyncio.wait_for(waiting, 5)
        assert order == ["first", "second"]
    finally:
        await first.dispose()
        await second.dispose()


async def test_the_log_is_copied_into_the_file_off_the_event_loop(tmp_path: Path) -> None:
    db = await _database(tmp_path)
    log_file = tmp_path / "inline.db-wal"
    try:
        async with db.transaction() as session:
            assert await session.scalar(text("PRAGMA wal_autocheckpoint")) == 0  # never on the loop
        payload = "x" * 4000
        for round_ in range(60):  # about 2,400 pages in all, 40 a transaction, over 3 s
            async with db.transaction() as session:
                for index in range(40):
                    await session.execute(
                        text(
                            "INSERT INTO inbox (update_id, chat_key, payload, status, received_at)"
                            " VALUES (:id, 1, :payload, 'done', '2026-01-01')"
                        ),
                        {"id": round_ * 100 + index, "payload": f'"{payload}"'},
                    )
            await asyncio.sleep(0.05)
        # Without checkpoints the log would hold every page written (over 9 MB); copied into the
        # file every second, its pages are reused.
        assert log_file.stat().st_size < 6_000_000
    finally:
        await db.dispose()


async def test_only_durable_transactions_wait_for_the_disk(tmp_path: Path) -> None:
    """Storing incoming updates commits with synchronous=FULL; every other transaction with NORMAL,
    on the same pooled connections, whichever came before."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'sync.db'}")
    try:
        seen = []
        for durable in (False, True, True, False, True):
            async with db.transaction(durable=durable) as session:
                seen.append((durable, (await session.execute(text("PRAGMA synchronous"))).scalar()))
    finally:
        await db.dispose()
    assert seen == [(False, 1), (True, 2), (True, 2), (False, 1), (True, 2)]
