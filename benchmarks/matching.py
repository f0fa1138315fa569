"""Scenario 7, matching: how long ranking every advisor for one request takes on a full database.

Seeds 1,000 advisors, 2,000 contacts and 10,000 past requests (with their events and offers, so
that advisors' loads and earlier offers are real queries), then calls the matching service
(:func:`bot.services.matching_data.rank_request`) for requests in turn, each in its own
transaction, as the bot does. The reference is the pure ranking (:func:`bot.services.matching.rank`)
of the same advisors with their facts already loaded. Target: <= 20 ms per match.
"""

from __future__ import annotations

import random
import statistics
import time

from benchmarks.common import Options, Report, connected, fresh_database, percentile
from benchmarks.seeding import seed_advisors, seed_people, seed_requests
from bot.services.matching import rank
from bot.services.matching_data import advisor_facts, needs_of, rank_request
from models import KickoffRequest, utcnow

TARGET_MS = 20.0


async def run(options: Options, report: Report) -> None:
    """Seed, time the matches and add the row."""
    advisors_count, requests_count = options.size(1000, 200), options.size(10_000, 2_000)
    matches = options.size(100, 30)
    rng = random.Random(1)
    async with fresh_database(options, "matching") as url, connected(url) as db:
        contacts = await seed_people(db, requests_count // 5)
        advisors = await seed_advisors(db, advisors_count, rng)
        requests = await seed_requests(db, requests_count, contacts, advisors, rng)
        chosen = rng.sample(requests, matches)
        now = utcnow()
        for request_id in chosen[:3]:  # warm the statement caches, as a running bot has them
            async with db.transaction() as session:
                await rank_request(session, request_id, now)
        times = []
        for request_id in chosen:
            async with db.transaction() as session:
                started = time.perf_counter()
                ranking = await rank_request(session, request_id, now)
                times.append((time.perf_counter() - started) * 1000)
            assert ranking is not None
        async with db.transaction() as session:
            facts = await advisor_facts(session)
            needs = [needs_of(r) for r in [await session.get(KickoffRequest, i) for i in chosen] if r]
    pure = []
    for need in needs:
        started = time.perf_counter()
        rank(need, facts, now)
        pure.append((time.perf_counter() - started) * 1000)
    mean = statistics.mean(times)
    report.add(
        f"7 matching: {advisors_count} advisors, {requests_count} past requests",
        f"{mean:.1f} ms per match (p50 {percentile(times, 0.5):.1f}, p95 {percentile(times, 0.95):.1f}; "
        f"{len(times)} matches)",
        f"ranking alone (facts in memory): {statistics.mean(pure):.1f} ms",
        f"<= {TARGET_MS:.0f} ms per match",
        mean <= TARGET_MS,
    )
