"""Delivered messages recorded in group commits.

Recording a send is what keeps a crash from sending a message twice, so a sender waits for its
record before it goes on with its chat. Under load many sends end at nearly the same moment, and
one transaction each would queue them one behind another for SQLite's single writer. Here every
send that ends while a record is being written joins the next one: one transaction for all of
them, each sender resuming once its own row is committed. A lone send is recorded at once.
"""

from __future__ import annotations

import asyncio

from bot.db import Database
from bot.runtime import outbox_rows
from bot.runtime.outbox_rows import Claimed

_Waiting = tuple[Claimed, int | None, "asyncio.Future[None]"]


class SentRecorder:
    """Records delivered rows, many to a transaction when they come together."""

    def __init__(self, db: Database) -> None:
        """A recorder with nothing to write."""
        self._db = db
        self._waiting: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, row: Claimed, message_id: int | None) -> None:
        """Record that ``row`` was delivered; returns once that is committed (raises if it failed)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((row, message_id, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="outbox-sent-records")
        await future

    async def _write(self) -> None:
        """Write what waits, one transaction per round, until nothing does."""
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                async with self._db.transaction(urgent=True) as session:
                    for row, message_id, _future in batch:
                        await outbox_rows.mark_sent(session, row, message_id)
            except Exception as exc:
                for _row, _id, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for _row, _id, future in batch:
                if not future.done():
                    future.set_result(None)

    async def drain(self, timeout: float) -> None:
        """Let the records under way be written (before the database closes)."""
        if self._writer is not None and not self._writer.done():
            await asyncio.wait([self._writer], timeout=timeout)
