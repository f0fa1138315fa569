"""A bot under test, behind a fresh emulator: the real bot process or the stock reference bot.

Each run gets its own emulator (so the call log holds that bot's calls alone) and a watcher of
it. The real bot runs as ``python -m bot run`` (or, for the stage timings, through
:mod:`benchmarks.stages`) with production settings but for the emulator; the stock bot runs as
``python -m benchmarks.stock``. Both are child processes of the benchmark, which hosts the
emulator, so each bot has a core of its own on a two-core machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, SWEEP_INTERVAL, Options
from benchmarks.people import Watcher
from bot.sandbox.emulator import Emulator
from bot.sandbox.server import SandboxServer
from tests.bot_process import FAKE_TOKEN, bot_env, sandbox

START_TIMEOUT = 120.0
# Something to do with the emulator before the bot starts (add people, seed them in the database).
Prepare = Callable[[Emulator], Awaitable[None]]


@dataclass
class Run:
    """A bot process talking to its own emulator."""

    server: SandboxServer
    watcher: Watcher
    process: asyncio.subprocess.Process
    log_path: Path

    @property
    def emulator(self) -> Emulator:
        """The run's emulator."""
        return self.server.emulator

    @property
    def pid(self) -> int:
        """The bot's process id."""
        return self.process.pid

    def cpu_seconds(self) -> float:
        """The CPU time (user and system) the bot process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def resident_mb(self) -> tuple[float, float]:
        """The bot process's resident memory now and at its peak (VmRSS, VmHWM), in MB."""
        fields: dict[str, float] = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _sep, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
        return fields["VmRSS"], fields["VmHWM"]


async def _start(arguments: Sequence[str], env: dict[str, str], log_path: Path) -> asyncio.subprocess.Process:
    """Start ``python <arguments>`` in the repository with ``env``, its output in ``log_path``."""
    with log_path.open("ab") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, *arguments, cwd=ROOT, env=env, stdout=log, stderr=log
        )


async def _stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, and SIGKILL if the process has not ended within 15 s."""
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), 15)
    except TimeoutError:
        process.kill()
        await process.wait()


async def _until_polling(run: Run) -> None:
    """Wait until the bot has started polling (both bots delete any webhook right before)."""
    deadline = time.monotonic() + START_TIMEOUT
    while not run.emulator.calls_to("deleteWebhook"):
        if run.process.returncode is not None:
            tail = run.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the bot exited with {run.process.returncode} while starting:\n{tail}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the bot did not start polling within {START_TIMEOUT:.0f} s")
        await run.emulator.wait_change(run.emulator.version, 0.5)


@asynccontextmanager
async def _running(
    arguments: Sequence[str],
    env_of: Callable[[SandboxServer], dict[str, str]],
    log_path: Path,
    before: Prepare | None = None,
) -> AsyncIterator[Run]:
    """A fresh emulator and a process started with the environment ``env_of(server)`` gives;
    ``before`` runs once the emulator is up and before the process starts."""
    async with sandbox() as server:
        watcher = Watcher(server.emulator)
        watcher.start()
        if before is not None:
            await before(server.emulator)
        process = await _start(arguments, env_of(server), log_path)
        run = Run(server, watcher, process, log_path)
        try:
            await _until_polling(run)
            yield run
        finally:
            await _stop(process)
            await watcher.stop()


@asynccontextmanager
async def real_bot(
    options: Options,
    name: str,
    database_url: str,
    stages_file: Path | None = None,
    before: Prepare | None = None,
    **extra: str,
) -> AsyncIterator[Run]:
    """The real bot (``python -m bot run``) on ``database_url`` behind a new emulator (prepared by
    ``before``), with production settings but for ``extra``.

    With ``stages_file`` the bot runs through :mod:`benchmarks.stages`, which times its stages
    and writes them to that file when the bot stops.
    """
    settings = {"LOG_LEVEL": "INFO", "SWEEP_INTERVAL_SECONDS": SWEEP_INTERVAL, **extra}
    if stages_file is not None:
        settings["BENCHMARK_STAGES_FILE"] = str(stages_file)
    arguments = ["-m", "benchmarks.stages" if stages_file else "bot", "run"]
    async with _running(
        arguments,
        lambda server: bot_env(server, database_url, **settings),
        options.folder / f"{name}.log",
        before,
    ) as run:
        yield run


@asynccontextmanager
async def stock_bot(options: Options, name: str, answers: dict[str, dict[str, Any]]) -> AsyncIterator[Run]:
    """The stock PTB reference bot (:mod:`benchmarks.stock`) giving ``answers``, behind a new emulator."""
    answers_file = options.folder / f"{name}-answers.json"
    answers_file.write_text(json.dumps(answers, ensure_ascii=False))

    def env_of(server: SandboxServer) -> dict[str, str]:
        """The stock bot's environment: where Telegram is and what to answer."""
        env = bot_env(server, "sqlite+aiosqlite:///unused.db")
        env.update(BENCHMARK_ANSWERS=str(answers_file), BOT_TOKEN=FAKE_TOKEN)
        return env

    async with _running(["-m", "benchmarks.stock"], env_of, options.folder / f"{name}.log") as run:
        yield run


async def warm_up(run: Run, lines: Sequence[str], timeout: float = 60.0) -> dict[str, dict[str, Any]]:
    """Say each line once from a new chat and wait for its answer; return the answers by line.

    Warms what a running bot has warm (imports, caches, connections) and records what the real
    bot says, which the stock bot then says too.
    """
    chat = run.emulator.add_user("Warm", "de").id
    answers: dict[str, dict[str, Any]] = {}
    for line in lines:
        count = len(run.watcher.sends(chat))
        run.emulator.send_text(chat, line)
        await run.watcher.wait(
            chat, lambda n=count: len(run.watcher.sends(chat)) > n, timeout, f"the answer to {line!r}"
        )
        params = run.watcher.sends(chat)[count].params
        answers[line] = {k: params[k] for k in ("text", "parse_mode", "reply_markup") if params.get(k)}
    return answers
