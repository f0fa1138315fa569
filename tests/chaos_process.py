"""The chaos test's bot: one process at a time, started quickly, killed with SIGKILL at random moments."""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.sandbox.server import SandboxServer
from models import utcnow
from tests.bot_process import ROOT, bot_env

# Importing the bot takes seconds of CPU, most of a start; twenty starts would cost minutes. So a
# parent imports once and forks a child per start, which runs exactly what ``python -m bot run``
# runs (no event loop, thread or connection exists before the fork). The parent kills and reaps.
FORK_SERVER = """
import os, signal, sys, traceback
import bot.wiring, bot.cli, bot.runtime.polling
child = 0
for line in sys.stdin:
    command, _sep, argument = line.strip().partition(" ")
    if command == "start":
        child = os.fork()
        if child == 0:
            log = os.open(argument, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            os.dup2(log, 1), os.dup2(log, 2), os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            code = 1
            try:
                sys.argv = ["bot", "run"]
                code = bot.cli.main()
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush(), sys.stderr.flush()
                os._exit(code or 0)
        print(child, flush=True)
    elif command in ("kill", "term"):
        os.kill(child, signal.SIGKILL if command == "kill" else signal.SIGTERM)
        print(os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]), flush=True)
"""


class ForkServer:
    """One bot process at a time, forked from a parent that imported the bot once."""

    def __init__(self, server: SandboxServer, database_url: str, logs: Path) -> None:
        """Bot processes for ``server`` and ``database_url``, logging into ``logs``."""
        self.env = bot_env(server, database_url, LOG_LEVEL="INFO")
        self.logs = logs
        self.process: asyncio.subprocess.Process | None = None
        self.log_path: Path | None = None
        self.started = 0
        self.alive = False
        self.pid = 0

    async def __aenter__(self) -> ForkServer:
        """Start the parent (it imports the bot)."""
        with (self.logs / "fork-server.log").open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", FORK_SERVER, cwd=ROOT, env=self.env,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=log,
            )  # fmt: skip
        return self

    async def __aexit__(self, *_exc: object) -> None:
        """Stop the parent (a bot still running is killed first)."""
        assert self.process is not None and self.process.stdin is not None
        if self.alive:
            await self.kill()
        self.process.stdin.close()
        await asyncio.wait_for(self.process.wait(), 30)

    async def _ask(self, command: str) -> int:
        """Send the parent a command; its one-line answer as a number."""
        assert self.process is not None and self.process.stdin and self.process.stdout
        self.process.stdin.write(command.encode() + b"\n")
        await self.process.stdin.drain()
        answer = await asyncio.wait_for(self.process.stdout.readline(), 60)
        assert answer, f"the fork server died: {(self.logs / 'fork-server.log').read_text()[-3000:]}"
        return int(answer)

    async def start(self) -> None:
        """Fork a new bot process; it migrates, replays, sends and polls as after a real start."""
        self.started += 1
        self.log_path = self.logs / f"bot-{self.started:02d}.log"
        self.pid = await self._ask(f"start {self.log_path}")
        self.alive = True

    async def kill(self) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        self.alive = False
        assert await self._ask("kill") == -9

    async def terminate(self) -> int:
        """SIGTERM; the exit code."""
        self.alive = False
        return await self._ask("term")

    def _running(self) -> bool:
        """Whether the current bot process still runs (a dead child stays a zombie until reaped)."""
        stat = Path(f"/proc/{self.pid}/stat")
        if not stat.exists():
            return not Path("/proc/self").exists()  # without /proc we cannot tell: assume it runs
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"

    def log(self) -> str:
        """What the current bot process logged."""
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    async def ready(self, timeout: float = 60.0) -> None:
        """Wait until the process polls (``runtime.start`` is done: replay and sender are running)."""
        deadline = time.monotonic() + timeout
        while "polling as" not in self.log():
            assert self._running(), f"the bot exited:\n{self.log()[-3000:]}"
            if time.monotonic() > deadline:
                raise TimeoutError(f"the bot did not start:\n{self.log()[-3000:]}")
            await asyncio.sleep(0.02)


@dataclass
class Chaos:
    """Start, let run a random while, kill -9, restart; ``kills`` times, then one last start."""

    bots: ForkServer
    rng: random.Random
    kills: int
    lives: list[float] = field(default_factory=list)  # how long each killed process ran after start
    starts: list[float] = field(default_factory=list)  # how long each start took (migrate, replay …)
    # A probe of what each kill left behind, given when the killed process was started.
    after_kill: Callable[[datetime], Awaitable[int]] | None = None
    left: list[int] = field(default_factory=list)

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
