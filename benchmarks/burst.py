"""Burst benchmark: many chats write at once; how fast does the real bot process answer?

Runs the emulator in this process and ``python -m bot run`` as a child against it, sends
``--chats`` × ``--per-chat`` commands at once, and prints throughput and reply latencies.
Replies are bound by Telegram's send limit (about 30/s overall, 1/s per chat), so the handling
rate is measured separately from the inbox.

    .venv/bin/python benchmarks/burst.py --chats 100 --per-chat 3 --delay 0.05
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.db import Database
from models import InboxUpdate
from tests.bot_process import running_bot, sandbox

COMMANDS = ["/start", "/hilfe", "/datenschutz", "/sprache"]


async def _handled(db: Database) -> int:
    async with db.transaction() as session:
        query = select(func.count()).select_from(InboxUpdate).where(InboxUpdate.status == "done")
        return int(await session.scalar(query) or 0)


async def main() -> None:
    """Run one burst and print its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--per-chat", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.05, help="simulated Bot API round trip (s)")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="miglobe-bench-"))
    url = args.database_url or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    total = args.chats * args.per_chat
    async with sandbox() as server:
        emulator = server.emulator
        users = [emulator.add_user(f"U{n}", "de").id for n in range(args.chats)]
        emulator.set_delay(args.delay)
        async with running_bot(server, url, folder / "bot.log"):
            await emulator.wait_for_call("setMyCommands", lambda c: True, timeout=30)
            db = Database(url)
            sent_at: dict[tuple[int, int], float] = {}
            started = time.monotonic()
            for round_ in range(args.per_chat):
                for user in users:
                    emulator.send_text(user, COMMANDS[round_ % len(COMMANDS)])
                    sent_at[(user, round_)] = time.monotonic()
            while await _handled(db) < total:  # noqa: ASYNC110 - polls another process's work
                await asyncio.sleep(0.05)
            handled = time.monotonic() - started
            await emulator.wait_for(
                lambda: all(
                    sum(1 for m in emulator.messages_in(u) if m.from_bot) >= args.per_chat for u in users
                ),
                timeout=600,
            )
            replied = time.monotonic() - started
            await db.dispose()
    arrival = {
        (int(c.params["chat_id"]), c.result["message_id"]): c.time
        for c in emulator.calls_to("sendMessage")
        if c.error is None and isinstance(c.result, dict)
    }
    latencies = sorted(
        arrival[(user, message.message_id)] - sent_at[(user, round_)]
        for user in users
        for round_, message in enumerate(
            [m for m in emulator.messages_in(user) if m.from_bot][: args.per_chat]
        )
    )
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    print(f"updates: {total} from {args.chats} chats, Bot API round trip {args.delay * 1000:.0f} ms")
    print(f"handled (inbox done): {handled:.2f} s = {total / handled:.0f} updates/s")
    print(f"all replies delivered: {replied:.2f} s = {total / replied:.1f} messages/s (limit ~25/s)")
    print(f"reply latency: median {statistics.median(latencies):.2f} s, p99 {p(0.99):.2f} s")


if __name__ == "__main__":
    asyncio.run(main())
