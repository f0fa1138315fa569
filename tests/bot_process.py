"""Run the real bot (``python -m bot …``) as a child process against the sandbox emulator."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.sandbox.models import ChatMessage
from bot.sandbox.server import SandboxServer
from tests.fork_server import ForkedProcess, fork_server

ROOT = Path(__file__).resolve().parent.parent
FAKE_TOKEN = "7000000001:SANDBOX_fake_token_for_tests_only_000"


class BotProcess:
    """One run of the bot; its log goes to a file the test can read."""

    def __init__(self, command: str, env: dict[str, str], log_path: Path) -> None:
        self.command = command
        self.env = env
        self.log_path = log_path
        self.process: ForkedProcess | None = None

    async def start(self) -> None:
        """Start the process (it migrates, publishes menus and starts polling), forked from a
        parent that has imported the bot already (:mod:`tests.fork_server`)."""
        self.process = await fork_server().spawn([self.command], self.env, self.log_path)

    async def terminate(self, timeout: float = 15.0) -> tuple[int, float]:
        """SIGTERM; returns the exit code and how long the process took to exit."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), timeout)
        return code, time.monotonic() - started

    async def kill(self) -> None:
        """kill -9: no chance to finish anything."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    def log(self) -> str:
        """Everything the process logged so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def running(self) -> bool:
        """Whether the process is still alive."""
        return self.process is not None and self.process.returncode is None


def bot_env(server: SandboxServer, database_url: str, **extra: str) -> dict[str, str]:
    """Environment for a bot process talking to ``server`` with ``database_url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_", "COORDINATOR"))}
    env.update(
        BOT_TOKEN=FAKE_TOKEN,
        TELEGRAM_BASE_URL=server.bot_api_base_url,
        DATABASE_URL=database_url,
        LOG_LEVEL="DEBUG",
        SWEEP_INTERVAL_SECONDS="1",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@asynccontextmanager
async def sandbox() -> AsyncIterator[SandboxServer]:
    """An emulator on a free loopback port, for the length of a test."""
    server = SandboxServer(initial_users=[])
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@asynccontextmanager
async def running_bot(
    server: SandboxServer, database_url: str, log_path: Path, command: str = "run", **extra: str
) -> AsyncIterator[BotProcess]:
    """The bot process for the length of a block; stopped with SIGTERM (killed if it hangs)."""
    bot = BotProcess(command, bot_env(server, database_url, **extra), log_path)
    await bot.start()
    try:
        yield bot
    finally:
        if bot.running:
            try:
                await bot.terminate()
            except TimeoutError:
                await bot.kill()


async def press_and_wait(
    server: SandboxServer, user: int, message: ChatMessage, label: str, timeout: float = 20.0
) -> dict[str, Any]:
    """Press the button labelled ``label`` and wait until the bot answered the press."""
    query_id = server.emulator.press_button(user, message.message_id, text=label)
    query = server.emulator.callback_queries[query_id]
    await server.emulator.wait_for(lambda: query.answer is not None, timeout, f"the answer to {label}")
    assert query.answer is not None
    return query.answer
