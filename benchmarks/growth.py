"""Scenario 10, growth: the no-round-trip chatting again on a database holding 1×, 10× and 100×
the stored requests.

1× is 1,000 past requests (of 200 contacts, each with its event and two offers to 100 advisors);
the database is seeded before the bot starts. The cost is the reply latency p50 of the same
chatting as scenario 2 (the bot's CPU time per message is shown too). Target: cost at 100× <= 1.5 ×
cost at 1×.
"""

from __future__ import annotations

import random

from benchmarks.common import Options, Report, connected, fresh_database, ms
from benchmarks.dialogue import Chatted, chat_with
from benchmarks.no_round_trip import PEOPLE
from benchmarks.people import DIALOGUE
from benchmarks.runs import real_bot, warm_up
from benchmarks.seeding import seed_advisors, seed_people, seed_requests

FACTORS = (1, 10, 100)
TARGET_RATIO = 1.5


async def _at(options: Options, requests: int, seconds: float) -> Chatted:
    """Chat with the bot on a database seeded with ``requests`` past requests."""
    rng = random.Random(requests)
    name = f"growth-{requests}"
    async with fresh_database(options, name) as url:
        async with connected(url) as db:
            advisors = await seed_advisors(db, 100, rng)
            contacts = await seed_people(db, max(1, requests // 5))
            await seed_requests(db, requests, contacts, advisors, rng)
        async with real_bot(options, name, url) as bot:
            await warm_up(bot, DIALOGUE)
            return await chat_with(bot, PEOPLE, seconds, 0.0)


async def run(options: Options, report: Report) -> None:
    """Chat at each size and add the row."""
    base, seconds = options.size(1000, 100), options.seconds(20, 6)
    results = {factor: await _at(options, base * factor, seconds) for factor in FACTORS}
    one, most = results[FACTORS[0]], results[FACTORS[-1]]
    ratio = most.p(0.5) / one.p(0.5) if one.p(0.5) > 0 else float("nan")
    report.add(
        f"10 growth: {base}, {base * 10}, {base * 100} stored requests",
        " · ".join(
            f"{factor}×: p50 {ms(r.p(0.5))}, CPU {r.cpu_per_message}/msg" for factor, r in results.items()
        )
        + f"; 100×/1× = {ratio:.2f}",
        f"1×: p50 {ms(one.p(0.5))}",
        f"100× <= {TARGET_RATIO} × 1×",
        ratio <= TARGET_RATIO,
    )
