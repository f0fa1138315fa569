"""Polling standby: a second poller of the same token waits, lets the first poll, and takes over."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from telegram import Bot
from telegram.error import Conflict

from bot.db import Database
from bot.runtime.polling import PollingStatus, poll_forever
from bot.sandbox.server import SandboxServer
from models import InboxUpdate, OutboxMessage
from tests.bot_process import FAKE_TOKEN, BotProcess, running_bot, sandbox

STANDBY_LINE = "another process is polling with this token; waiting as standby"
TOOK_OVER_LINE = "took over polling"
REPLACED_LINE = "getUpdates was replaced by another request"
# The standby's interval; the active poller's grace is half of it. Long enough that a busy machine
# does not make the active poller's requests look contested (it would give way, rightly so).
STANDBY_SECONDS = 1.0
# What the bot answers to each command in German.
REPLY_STARTS = {
    "/start": "Hallo",
    "/hilfe": "So helfen wir Ihnen",
    "/datenschutz": "Datenschutz",
    "/sprache": "In welcher Sprache",
}


async def _until(predicate: Callable[[], object], timeout: float, what: str) -> None:
    """Wait until ``predicate()`` (awaited if need be) holds, checked every few milliseconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.01)


class Poller:
    """One poll_forever task with a Bot of its own: what it accepted, its role, its conflicts."""

    def __init__(self, server: SandboxServer) -> None:
        """A poller of the emulator's updates, not started yet."""
        self.bot = Bot(FAKE_TOKEN, base_url=server.bot_api_base_url)
        self.status = PollingStatus()
        self.accepted: list[str] = []
        self.conflicts = 0
        self.task: asyncio.Task[None] | None = None

    async def do_api_request(self, endpoint: str, *args: Any, **kwargs: Any) -> Any:
        """The Bot's call; its conflicts counted (poll_forever calls only this)."""
        try:
            return await self.bot.do_api_request(endpoint, *args, **kwargs)
        except Conflict:
            self.conflicts += 1
            raise

    async def accept(self, updates: list[dict[str, Any]]) -> None:
        """Record the texts of a batch, as the inbox would store them."""
        self.accepted.extend(update["message"]["text"] for update in updates)

    async def start(self) -> None:
        """Connect and start polling."""
        await self.bot.initialize()
        self.task = asyncio.create_task(
            poll_forever(self, self.accept, standby_seconds=STANDBY_SECONDS, status=self.status)  # type: ignore[arg-type]
        )

    async def stop(self) -> None:
        """Cancel polling (as SIGTERM does) and disconnect."""
        assert self.task is not None
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        await self.bot.shutdown()


def _logged(caplog: pytest.LogCaptureFixture, line: str) -> int:
    """How many records so far say ``line``."""
    return sum(line in record.getMessage() for record in caplog.records)


async def test_the_second_poller_stands_by_quietly_and_takes_over(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.runtime.polling")
    async with sandbox() as server:
        user = server.emulator.add_user("Ada", "de").id
        first, second = Poller(server), Poller(server)
        await first.start()
        sent = ["before"]
        server.emulator.send_text(user, "before")
        await _until(lambda: first.accepted == sent, 10, "the first poller's first update")
        await second.start()
        await _until(lambda: second.status.standby, 10, "the second poller to stand by")
        for n in range(4):  # one update after each try of the standby
            tries = second.conflicts
            await _until(lambda tries=tries: second.conflicts > tries, 10, "another try of the standby")
            sent.append(f"while standing by {n}")
            server.emulator.send_text(user, sent[-1])
            await _until(lambda: first.accepted == sent, 10, f"update {sent[-1]!r} at the first poller")
        # Each try of the standby ended the first's request once; the first polled again at once.
        assert first.status.role == "polling" and second.status.role == "standby"
        assert first.conflicts >= 3
        assert _logged(caplog, STANDBY_LINE) == 1 and _logged(caplog, TOOK_OVER_LINE) == 0
        assert second.accepted == []  # a standby stores nothing

        await first.stop()
        after = [f"after the first stopped {n}" for n in range(3)]
        for text in after:
            server.emulator.send_text(user, text)
        # The first try brings the waiting updates at once, which might be the first's batch in
        # flight; the next try brings them again (nobody confirmed them), and the second takes over.
        await _until(lambda: second.accepted, 10, "the second poller to take over")
        assert second.status.role == "polling"
        assert second.accepted == after  # each once, in order
        assert _logged(caplog, TOOK_OVER_LINE) == 1 and _logged(caplog, STANDBY_LINE) == 1
        await second.stop()


def _replies(server: SandboxServer, chat_id: int) -> list[str]:
    """The texts the bot sent into ``chat_id``, in order."""
    return [m.text or "" for m in server.emulator.messages_in(chat_id) if m.from_bot]


def _answered(server: SandboxServer, users: list[int], commands: list[str]) -> bool:
    """Whether every user has as many replies as commands were sent."""
    return all(len(_replies(server, user)) >= len(commands) for user in users)


async def _count(db: Database, model: type, *where: object) -> int:
    """How many rows of ``model`` match ``where``."""
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_bot_processes_wait_as_standby_and_take_over(database_url: str, tmp_path: Path) -> None:
    db = Database(database_url)
    async with sandbox() as server, AsyncExitStack() as processes:
        processes.push_async_callback(db.dispose)
        emulator = server.emulator
        users = [emulator.add_user(f"User {n}", "de").id for n in range(3)]
        commands: list[str] = []

        async def start(name: str) -> BotProcess:
            """Start a bot process that tries every second while it stands by."""
            log_path = tmp_path / f"{name}.log"
            return await processes.enter_async_context(
                running_bot(server, database_url, log_path, POLLING_STANDBY_SECONDS="1")
            )

        async def send_to_all(command: str) -> None:
            """Every user sends ``command``; wait until each has as many replies as commands."""
            commands.append(command)
            for user in users:
                emulator.send_text(user, command)
            await emulator.wait_for(lambda: _answered(server, users, commands), 60, f"answers to {command}")

        async def stands_by(standby: BotProcess, active: BotProcess) -> None:
            """The new process stands by (saying so once) while the active one polls on."""
            await _until(lambda: STANDBY_LINE in standby.log(), 60, "the new process to stand by")
            # Each try of the standby replaces the active's request once; the active polls on.
            seen = active.log().count(REPLACED_LINE)
            tries = "two tries of the standby"
            await _until(lambda: active.log().count(REPLACED_LINE) >= seen + 2, 30, tries)
            await send_to_all("/hilfe")
            assert standby.log().count(STANDBY_LINE) == 1 and TOOK_OVER_LINE not in standby.log()
            # The active never stood by, or took over after it did.
            assert active.log().count(STANDBY_LINE) == active.log().count(TOOK_OVER_LINE)

        first = await start("first")
        await send_to_all("/start")
        second = await start("second")
        await stands_by(second, first)

        # SIGTERM: the updates sent meanwhile wait at Telegram; the standby's next try fetches them.
        code, _seconds = await first.terminate()
        assert code == 0
        await send_to_all("/datenschutz")
        await _until(lambda: TOOK_OVER_LINE in second.log(), 30, "the second process to take over")

        third = await start("third")
        await stands_by(third, second)

        # SIGKILL: the third takes over at its next try, then handles what comes. The replies so far
        # are marked sent first; a send in flight at a kill would be sent again (at least once).
        async def all_marked_sent() -> bool:
            """Whether every reply so far is marked sent in the outbox."""
            sent = await _count(db, OutboxMessage, OutboxMessage.status == "sent")
            return sent >= len(users) * len(commands)

        await _until(all_marked_sent, 30, "the replies marked sent")
        await second.kill()
        await _until(lambda: TOOK_OVER_LINE in third.log(), 30, "the third process to take over")
        await send_to_all("/sprache")
        for process in (second, third):
            assert process.log().count(TOOK_OVER_LINE) == 1 and process.log().count(STANDBY_LINE) == 1
        for user in users:  # every update answered once, in order
            replies = [reply[:30] for reply in _replies(server, user)]
            assert len(replies) == len(commands), replies
            pairs = list(zip(commands, replies, strict=True))
            assert all(reply.startswith(REPLY_STARTS[command]) for command, reply in pairs), pairs
        assert await _count(db, InboxUpdate, InboxUpdate.status == "done") == len(users) * len(commands)
