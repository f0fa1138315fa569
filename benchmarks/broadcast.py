"""Broadcast benchmark: one broadcast to many chats through the real bot process; how fast, how
evenly, how quickly are people answered meanwhile, and what does a kill -9 in the middle cost?

Runs the emulator in this process and ``python -m bot run`` as a child against it, seeds
``--recipients`` people who agreed to news (``--blocked`` of them blocked the bot), releases a
broadcast and asks ``--questions`` /start questions from other chats while it runs. Then a second
broadcast to the same people is killed (kill -9) after ``--kill-after`` deliveries and the bot
restarted: every repeat is a message Telegram got twice.

    .venv/bin/python benchmarks/broadcast.py --recipients 1000 --delay 0.05
    .venv/bin/python benchmarks/broadcast.py --database-url postgresql+asyncpg://postgres@127.0.0.1/empty_db
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.sandbox.emulator import Emulator
from tests.bot_process import running_bot, sandbox
from tests.broadcast_e2e_helpers import (
    BULK_IN_FLIGHT,
    bot_up,
    busiest_second,
    count_delivered,
    delivered,
    delivering_calls,
    expire_leases,
    first_reply,
    release,
    seed_audience,
    sends_of,
    wait_finished,
)
from tests.matching_e2e_helpers import prepared


async def _ask_while_sending(
    emulator: Emulator, text: str, total: int, questions: int, asked: dict[int, float]
) -> None:
    """Send /start from a new chat each time another 1/(questions+1) of the broadcast went out."""
    for n in range(1, questions + 1):
        threshold = n * total // (questions + 1)
        await emulator.wait_for(lambda t=threshold: count_delivered(emulator, text) >= t, 600, "sends")
        asker = emulator.add_user(f"Frage {n}", "de").id
        emulator.send_text(asker, "/start")
        asked[asker] = time.monotonic()


async def main() -> None:
    """Run one broadcast (and one killed mid-way) and print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--blocked", type=int, default=30, help="recipients who blocked the bot (403)")
    parser.add_argument("--questions", type=int, default=10, help="/start sent during the broadcast")
    parser.add_argument("--kill-after", type=int, default=300, help="deliveries before kill -9 (0: skip)")
    parser.add_argument("--delay", type=float, default=0.05, help="simulated Bot API round trip (s)")
    parser.add_argument("--rate", default="25", help="SEND_RATE_PER_SECOND")
    parser.add_argument("--sweep", default="0.5", help="BROADCAST_SWEEP_SECONDS")
    parser.add_argument("--database-url", default=None, help="an empty database; default: a new SQLite file")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="miglobe-bench-"))
    url = args.database_url or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    env = {"BROADCAST_SWEEP_SECONDS": args.sweep, "SEND_RATE_PER_SECOND": args.rate}
    text, again = "Rundbrief (Benchmark)", "Rundbrief (Benchmark, mit kill -9)"
    async with sandbox() as server:
        emulator = server.emulator
        db = await prepared(url)
        audience = await seed_audience(db, emulator, contacts=args.recipients)
        blocked = audience.chats[:: max(1, args.recipients // max(1, args.blocked))][: args.blocked]
        for chat in blocked:
            emulator.block_chat(chat)
        asked: dict[int, float] = {}
        async with running_bot(server, url, folder / "bot1.log", **env) as bot:
            await bot_up(emulator, timeout=60)
            emulator.set_delay(args.delay)
            released = time.monotonic()
            broadcast_id = await release(db, audience, text)
            asking = asyncio.create_task(
                _ask_while_sending(emulator, text, args.recipients - len(blocked), args.questions, asked)
            )
            broadcast = await wait_finished(db, broadcast_id, timeout=3600)
            duration = time.monotonic() - released
            await asking
            await emulator.wait_for(
                lambda: all(first_reply(emulator, a, t) for a, t in asked.items()), 30, "replies"
            )
            window = [c.time for c in delivering_calls(emulator) if c.time >= released]
            sends = [c.time for c in sends_of(emulator, text) if c.ok]
            killed_at = repeats = reachable = 0
            if args.kill_after:
                reachable = broadcast.delivered_count
                second = await release(db, audience, again)
                await emulator.wait_for(
                    lambda: count_delivered(emulator, again) >= min(args.kill_after, reachable - 1),
                    3600,
                    "deliveries before the kill",
                )
                await bot.kill()
                killed_at = count_delivered(emulator, again)
        if args.kill_after:
            if not db.is_sqlite:  # leases of a dead process run out after a minute there
                await expire_leases(db)
            async with running_bot(server, url, folder / "bot2.log", **env):
                await wait_finished(db, second, timeout=3600)
                await asyncio.sleep(1.0)
            repeats = sum(n - 1 for n in delivered(emulator, again).values())
        await db.dispose()
    latencies = sorted(first_reply(emulator, a, t).time - t for a, t in asked.items())  # type: ignore[union-attr]
    database = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    print(
        f"broadcast of {args.recipients} recipients ({len(blocked)} blocked), {database}, "
        f"Bot API round trip {args.delay * 1000:.0f} ms, SEND_RATE_PER_SECOND {args.rate}"
    )
    print(
        f"duration: {duration:.1f} s from release to done (first send after {min(sends) - released:.2f} s); "
        f"delivered {broadcast.delivered_count}, blocked {broadcast.blocked_count}, "
        f"failed {broadcast.failed_count}"
    )
    print(f"throughput: {len(sends) / (max(sends) - min(sends)):.1f} msgs/s from first to last send")
    print(f"max per 1-s window: {busiest_second(window)} calls to chats (Telegram allows ~30)")
    if latencies:
        print(
            f"reply latency during the broadcast: p50 {statistics.median(latencies):.2f} s, "
            f"max {latencies[-1]:.2f} s ({len(latencies)} questions)"
        )
    if args.kill_after:
        print(
            f"duplicates after kill -9 at {killed_at}/{reachable} deliveries: {repeats} "
            f"(sender's bulk in-flight cap {BULK_IN_FLIGHT})"
        )


if __name__ == "__main__":
    asyncio.run(main())
