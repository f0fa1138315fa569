"""Several bot processes on one database for end-to-end tests: webhook workers behind a round-robin
forwarder, or polling processes, with one killed (SIGKILL) at random moments and started again."""

from __future__ import annotations

import asyncio
import random
import socket
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.sandbox.server import SandboxServer
from tests.bot_process import BotProcess, bot_env

WEBHOOK_SECRET = "several-processes-secret"


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RoundRobin:
    """A reverse proxy for the webhook: each update goes to the next worker that answers."""

    def __init__(self, backends: list[str]) -> None:
        """Forward to ``backends`` (webhook URLs) in turn."""
        self.backends = backends
        self.port = free_port()
        self._next = 0
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        """The public webhook URL the workers register."""
        return f"http://127.0.0.1:{self.port}/hook"

    async def _forward(self, request: web.Request) -> web.Response:
        """Post the update to the next worker; a worker that is down is skipped."""
        assert self._http is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-telegram")}
        for _ in range(len(self.backends)):
            backend = self.backends[self._next % len(self.backends)]
            self._next += 1
            try:
                async with self._http.post(backend, data=body, headers=headers) as response:
                    return web.Response(status=response.status, text=await response.text())
            except (aiohttp.ClientError, TimeoutError):
                continue
        return web.Response(status=502, text="no worker")

    async def start(self) -> None:
        """Listen on the loopback port."""
        self._http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=5),
            headers={"Content-Type": "application/json"},
        )
        app = web.Application()
        app.router.add_post("/hook", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        """Close the listener and the client."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()


class ProcessPool:
    """``size`` bot processes (webhook workers or polling processes) on one database."""

    def __init__(
        self, server: SandboxServer, database_url: str, logs: Path, size: int, mode: str, **env: str
    ):
        """Processes for ``server`` and ``database_url``; ``mode`` is "webhook" or "run" (polling)."""
        self.server = server
        self.mode = mode
        self.logs = logs
        self.ports = [free_port() for _ in range(size)]
        self.forwarder = RoundRobin([f"http://127.0.0.1:{port}/hook" for port in self.ports])
        self.env = bot_env(server, database_url, LOG_LEVEL="INFO", **env)
        self.processes: list[BotProcess] = []
        self.kills = 0
        self.starts = 0

    def _process(self, index: int) -> BotProcess:
        """A new process in slot ``index`` (its own port and log file)."""
        env = dict(self.env)
        if self.mode == "webhook":
            env.update(
                WEBHOOK_URL=self.forwarder.url, WEBHOOK_SECRET=WEBHOOK_SECRET, PORT=str(self.ports[index])
            )
        self.starts += 1
        return BotProcess(self.mode, env, self.logs / f"bot-{index}-{self.starts}.log")

    async def start(self) -> None:
        """Start the forwarder and every process."""
        await self.forwarder.start()
        self.processes = [self._process(i) for i in range(len(self.ports))]
        for process in self.processes:
            await process.start()

    async def kill_and_restart(self, rng: random.Random) -> None:
        """SIGKILL one process at random, then start a new one in its place after a moment."""
        index = rng.randrange(len(self.processes))
        await self.processes[index].kill()
        self.kills += 1
        await asyncio.sleep(rng.uniform(0.2, 1.0))
        self.processes[index] = self._process(index)
        await self.processes[index].start()

    async def chaos(
        self, rng: random.Random, until: asyncio.Event, pause: tuple[float, float], most: int
    ) -> None:
        """Kill and restart processes at random moments, at most ``most`` times, until ``until`` is set."""
        while not until.is_set() and self.kills < most:
            try:
                await asyncio.wait_for(until.wait(), timeout=rng.uniform(*pause))
            except TimeoutError:
                await self.kill_and_restart(rng)

    async def stop(self) -> None:
        """Stop every process (SIGTERM, SIGKILL if it hangs) and the forwarder."""
        for process in self.processes:
            if process.running:
                try:
                    await process.terminate()
                except TimeoutError:
                    await process.kill()
        await self.forwarder.stop()

    def logs_text(self) -> str:
        """Every process's warnings and errors, for a failing assertion's message."""
        lines = [
            f"{path.name}: {line}"
            for path in sorted(self.logs.glob("bot-*.log"))
            for line in path.read_text(errors="replace").splitlines()
            if " WARNING " in line or " ERROR " in line or "Traceback" in line
        ]
        return "\n".join(lines[-80:])
