"""Telegram's side of the clock for multi-process tests: when each send arrives, stamped by a
process of its own.

The emulator runs inside the test process, which also feeds thousands of updates and serves the
long polls; when that process is starved it handles the calls of two seconds together and
stamps them as one, so counting sends per second there measures the test, not the bot. This
forwarder sits between the bots and the emulator, does nothing but pass calls on, runs at a
higher priority where the system allows it, and writes one line per ``sendMessage``: the arrival
time (``time.monotonic()``, the same clock across processes), the chat and whether it was
accepted.

Run as ``python -m tests.api_observer UPSTREAM_BASE_URL STAMP_FILE``; it prints its port.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
# What a long poll may take at most (the bots ask with timeouts of seconds).
CALL_TIMEOUT_SECONDS = 120
# Ahead of the bots and the database when the machine is busy (needs CAP_SYS_NICE; else as is).
PRIORITY = -10


def _parameter(body: bytes, content_type: str, name: str) -> str:
    """One parameter of a call, form-encoded or JSON ("" when absent)."""
    try:
        if content_type.startswith("application/json"):
            return str(json.loads(body or b"{}").get(name, ""))
        return parse_qs(body.decode()).get(name, [""])[0]
    except (ValueError, AttributeError):
        return ""


class Observer:
    """Passes every Bot API call to ``upstream`` and notes when each message send arrived."""

    def __init__(self, upstream: str, stamps: Path) -> None:
        """Forward to ``upstream`` (the emulator's base URL); note arrivals in ``stamps``."""
        self.upstream = upstream.rstrip("/")
        self.stamps = stamps.open("a", buffering=1)
        self.http: aiohttp.ClientSession | None = None

    async def forward(self, request: web.Request) -> web.Response:
        """Stamp the call, pass it on unchanged, answer what the emulator answered."""
        arrived = time.monotonic()
        assert self.http is not None
        body = await request.read()
        tail = request.match_info["tail"]
        headers = {"Content-Type": request.headers.get("Content-Type", "application/octet-stream")}
        async with self.http.request(
            request.method, f"{self.upstream}/{tail}", data=body, params=request.query, headers=headers
        ) as answer:
            payload = await answer.read()
            status, kind = answer.status, answer.headers.get("Content-Type", "application/json")
        if tail.endswith("/sendMessage"):
            chat = _parameter(body, request.content_type, "chat_id")
            # The text's start, for a failing test to show what reached the emulator when.
            start = "_".join(_parameter(body, request.content_type, "text").split()[:3]) or "-"
            self.stamps.write(f"{arrived:.6f} {chat} {status} {time.monotonic():.6f} {start}\n")
        return web.Response(body=payload, status=status, headers={"Content-Type": kind})

    async def run(self) -> None:
        """Listen on a free loopback port, print it, serve until stdin closes."""
        self.http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=CALL_TIMEOUT_SECONDS),
            connector=aiohttp.TCPConnector(limit=0),
        )
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.forward)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        print(runner.addresses[0][1], flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        await runner.cleanup()
        await self.http.close()
        self.stamps.close()


def arrivals(stamps: Path) -> list[tuple[float, int, int]]:
    """The noted sends: (arrival time, chat, HTTP status), in the order they arrived."""
    rows = []
    for line in stamps.read_text().splitlines():
        arrived, chat, status = line.split()[:3]
        if chat.lstrip("-").isdigit():
            rows.append((float(arrived), int(chat), int(status)))
    return sorted(rows)


def timeline(stamps: Path, chat: int) -> str:
    """The sends to ``chat`` as noted (arrival, status, answered, the text's start), for a failing
    assertion's message."""
    return "\n".join(line for line in stamps.read_text().splitlines() if line.split()[1:2] == [str(chat)])


@contextlib.asynccontextmanager
async def observing(upstream: str, stamps: Path) -> AsyncIterator[str]:
    """An observer in front of ``upstream`` for the length of a block; the base URL for the bots."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.api_observer", upstream, str(stamps),
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None and process.stdin is not None
    try:
        port = int(await asyncio.wait_for(process.stdout.readline(), 30))
        yield f"http://127.0.0.1:{port}/bot"
    finally:
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


def main() -> None:
    """Serve as the observer the command line describes."""
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, 0, PRIORITY)
    asyncio.run(Observer(sys.argv[1], Path(sys.argv[2])).run())


if __name__ == "__main__":
    main()
