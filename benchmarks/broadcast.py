"""Scenario 4, broadcast: one broadcast to 1,000 people through the real bot; how close to the
send budget, never above it, and how quickly are people chatting meanwhile answered?

1,000 people agreed to news (30 of them blocked the bot); a coordinator's broadcast is released
through the services as the wizard does, and the bot's sweep and sender deliver it. Half-way the
emulator answers one send with 429 (retry after 1 s). Five other people chat during it.
Targets: sending takes at most 1.1 × N / SEND_RATE_PER_SECOND; no one-second window holds more
budgeted sends than the rate; the chatters' replies p95 <= 0.5 s.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time

from benchmarks.common import SEND_RATE, Options, Report, connected, fresh_database, ms, percentile, secs
from benchmarks.people import DIALOGUE, add_people, converse, latencies
from benchmarks.runs import Run, real_bot, warm_up
from bot.sandbox.emulator import Emulator
from bot.sandbox.faults import is_faultable
from tests.broadcast_e2e_helpers import (
    Audience,
    busiest_second,
    release,
    seed_audience,
    sends_of,
    wait_finished,
)

TEXT = "Rundbrief (Benchmark)"
CHATTERS = 5
RETRY_AFTER = 1
REPLY_TARGET = 0.5


async def _rate_limit_half_way(run: Run, chats: list[int], reachable: int) -> None:
    """Answer one send with 429 once half of the reachable recipients have their copy."""
    while sum(1 for chat in chats if run.watcher.writes.get(chat)) < reachable // 2:  # noqa: ASYNC110
        await asyncio.sleep(0.05)  # a glance at the counts now and then costs less than a wake per call
    run.emulator.rate_limit(retry_after=RETRY_AFTER, calls=1)


def _budgeted_calls(emulator: Emulator, chatters: set[int], since: float) -> list[float]:
    """Arrival times of calls that go through the send budget (all but replies to the chatters)."""
    return [
        c.time
        for c in emulator.calls
        if c.time >= since and is_faultable(c.method) and int(c.params.get("chat_id", 0) or 0) not in chatters
    ]


async def run(options: Options, report: Report) -> None:
    """Send the broadcast and add its three rows."""
    recipients, blocked_count = options.size(1000, 200), options.size(30, 6)
    floor = recipients / SEND_RATE
    async with fresh_database(options, "broadcast") as url, connected(url) as db:
        audience: list[Audience] = []

        async def seed(emulator: Emulator) -> None:
            """The people who agreed to news, some of whom blocked the bot."""
            audience.append(await seed_audience(db, emulator, contacts=recipients))
            for chat in audience[0].chats[:: recipients // blocked_count][:blocked_count]:
                emulator.block_chat(chat)

        async with real_bot(options, "broadcast", url, before=seed) as bot:
            await warm_up(bot, DIALOGUE)
            bot.emulator.set_delay(options.rtt)
            released = time.monotonic()
            broadcast_id = await release(db, audience[0], TEXT)
            limiter = asyncio.create_task(
                _rate_limit_half_way(bot, audience[0].chats, recipients - blocked_count)
            )
            chatters = add_people(bot.emulator, CHATTERS, "C")
            talk = asyncio.create_task(converse(bot.emulator, chatters, floor))
            broadcast = await wait_finished(db, broadcast_id, timeout=max(120.0, floor * 4))
            done = time.monotonic() - released
            chats = await talk
            replies, missing = await latencies(bot.watcher, chats)
            limiter.cancel()
            sends = sorted(c.time for c in sends_of(bot.emulator, TEXT))
            budgeted = _budgeted_calls(bot.emulator, set(chatters), released)
            busiest_copies = busiest_second(sends)
            closest = min((b - a for a, b in itertools.pairwise(sends)), default=math.nan)
            busiest_all = busiest_second(budgeted)
    took = sends[-1] - sends[0] + 1 / SEND_RATE if sends else math.nan
    name = f"4 broadcast: {recipients} ({blocked_count} blocked, one 429)"
    report.add(
        f"{name}, pace",
        f"sending took {secs(took)} ({len(sends)} calls, first after {secs(sends[0] - released)}, "
        f"done after {secs(done)}; delivered {broadcast.delivered_count}, blocked {broadcast.blocked_count})",
        f"floor N/rate = {recipients}/{SEND_RATE:.0f} = {secs(floor)}",
        "<= 1.1 × floor",
        took <= 1.1 * floor,
    )
    report.add(
        f"{name}, busiest second",
        f"{busiest_copies} copies, {busiest_all} budgeted calls in all (progress edits too); "
        f"closest two copies {ms(closest)} apart (spacing {ms(1 / SEND_RATE)})",
        f"SEND_RATE_PER_SECOND = {SEND_RATE:.0f}",
        "never above the rate",
        max(busiest_copies, busiest_all) <= SEND_RATE,
    )
    p95 = percentile(replies + [math.inf] * missing, 0.95)
    report.add(
        f"{name}, replies meanwhile",
        f"{CHATTERS} people chatting: p50 {ms(percentile(replies, 0.5))} · p95 {ms(p95)} "
        f"({chats.count} msgs" + (f", {missing} unanswered)" if missing else ")"),
        "–",
        f"p95 <= {REPLY_TARGET} s",
        p95 <= REPLY_TARGET,
    )
