"""The chaos test's bot: one process at a time, started quickly, killed with SIGKILL at random moments."""

from __future__ import annotations

import asyncio
import random
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.sandbox.server import SandboxServer
from models import utcnow
from tests.bot_process import BotProcess, bot_env


class OneBotAtATime:
    """One bot process at a time (each a :class:`BotProcess`, forked from the worker's parent that
    imported the bot once), so twenty starts cost seconds, not minutes."""

    def __init__(self, server: SandboxServer, database_url: str, logs: Path) -> None:
        """Bot processes for ``server`` and ``database_url``, logging into ``logs``."""
        self.env = bot_env(server, database_url, LOG_LEVEL="INFO")
        self.logs = logs
        self.bot: BotProcess | None = None
        self.started = 0

    async def __aenter__(self) -> OneBotAtATime:
        """Nothing to start before the first bot."""
        return self

    async def __aexit__(self, *_exc: object) -> None:
        """Kill a bot that still runs."""
        if self.alive:
            await self.kill()

    @property
    def alive(self) -> bool:
        """Whether the current bot process still runs."""
        return self.bot is not None and self.bot.running

    async def start(self) -> None:
        """Start a new bot process; it migrates, replays, sends and polls as after a real start."""
        self.started += 1
        self.bot = BotProcess("run", self.env, self.logs / f"bot-{self.started:02d}.log")
        await self.bot.start()

    async def kill(self) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        assert self.bot is not None and self.bot.process is not None
        await self.bot.kill()
        assert self.bot.process.returncode == -signal.SIGKILL

    async def terminate(self) -> int:
        """SIGTERM; the exit code."""
        assert self.bot is not None
        code, _seconds = await self.bot.terminate(timeout=30)
        return code

    def log(self) -> str:
        """What the current bot process logged."""
        return self.bot.log() if self.bot is not None else ""

    async def ready(self, timeout: float = 60.0) -> None:
        """Wait until the process polls (``runtime.start`` is done: replay and sender are running)."""
        deadline = time.monotonic() + timeout
        while "polling as" not in self.log():
            assert self.alive, f"the bot exited:\n{self.log()[-3000:]}"
            if time.monotonic() > deadline:
                raise TimeoutError(f"the bot did not start:\n{self.log()[-3000:]}")
            await asyncio.sleep(0.02)


@dataclass
class Chaos:
    """Start, let run a random while, kill -9, restart; ``kills`` times, then one last start."""

    bots: OneBotAtATime
    rng: random.Random
    kills: int
    lives: list[float] = field(default_factory=list)  # how long each killed process ran after start
    starts: list[float] = field(default_factory=list)  # how long each start took (migrate, replay …)
    # A probe of what each kill left behind (the chats with a claimed, unsent message), given when
    # the killed process was started.
    after_kill: Callable[[datetime], Awaitable[set[int]]] | None = None
    left: list[set[int]] = field(default_factory=list)

    async def run(self) -> None:
        """Kill ``kills`` times at random moments, then start once more and leave it running."""
        for n in range(self.kills + 1):
            begun, born = time.monotonic(), utcnow()
            await self.bots.start()
            await self.bots.ready()
            self.starts.append(time.monotonic() - begun)
            if n == self.kills:
                return
            life = self.rng.uniform(0.2, 1.5)
            await asyncio.sleep(life)
            await self.bots.kill()
            self.lives.append(life)
            if self.after_kill is not None:
                self.left.append(await self.after_kill(born))
