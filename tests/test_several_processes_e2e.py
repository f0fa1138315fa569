"""Several bot processes on one PostgreSQL, one of them killed (SIGKILL) again and again.

Three webhook workers behind a round-robin forwarder, and separately two polling processes (one
active, one standby): 200 chats each send ten messages while processes die and come back. At the
end every update was handled exactly once, every chat's replies came in the order of its
messages, the sends under the shared budget (offers, reminders) exceeded the configured rate in
no second, and every due offer and reminder went out.

The seconds are counted where Telegram would count them, on arrival, by an observer in a process
of its own (:mod:`tests.api_observer`): this test process feeds the updates and serves the long
polls, and when it is starved it would stamp the calls of two seconds as one.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.db import Database
from bot.sandbox.emulator import Emulator
from models import InboxStatus, InboxUpdate, IntakeDraft, Offer, OutboxMessage, utcnow
from tests.api_observer import arrivals, observing, timeline
from tests.bot_process import sandbox
from tests.matching_e2e_helpers import prepared, seed_advisor, seed_request, seed_user
from tests.process_pool import ProcessPool

CHATS, PER_CHAT = 200, 10
KILLS = 5  # SIGKILLs during a run, each at a random moment, the process started again
COMMANDS = ["/start", "/hilfe", "/datenschutz", "/sprache"]
REPLY_STARTS = ["Hallo", "So helfen wir Ihnen", "Datenschutz", "In welcher Sprache"]
SEND_RATE = 8  # the shared budget for offers and reminders, all processes together
REQUESTS, ADVISORS, REMINDED = 24, 6, 30
FIRST_CHATTER, FIRST_ADVISOR, FIRST_CONTACT, FIRST_DRAFT = 700_000, 710_000, 720_000, 730_000


def _texts(emulator: Emulator, chat: int) -> list[str]:
    """The bot's messages in ``chat`` as first sent."""
    return [
        str((m.history[0] if m.history else m.data).get("text", ""))
        for m in emulator.messages_in(chat)
        if m.from_bot
    ]


def _collapsed(texts: list[str]) -> list[str]:
    """The messages without immediate repeats: a send in flight when its process died is made again
    (the Bot API has no idempotency key), and always right after itself, never after a later one."""
    return [t for i, t in enumerate(texts) if i == 0 or t != texts[i - 1]]


def _kind(text: str) -> int:
    """Which command ``text`` answers."""
    return next((i for i, start in enumerate(REPLY_STARTS) if text.startswith(start)), -1)


async def _seed(database_url: str) -> None:
    """Advisors and submitted requests waiting for their offer; drafts whose reminder is due."""
    db = await prepared(database_url)
    try:
        for n in range(ADVISORS):
            await seed_advisor(db, FIRST_ADVISOR + n, f"Advisor {n}", languages=["tr", "ti"], capacity=10)
        for n in range(REQUESTS):
            contact = await seed_user(db, FIRST_CONTACT + n, f"Contact {n}", "de")
            await seed_request(db, contact)
        async with db.transaction() as session:
            for n in range(REMINDED):
                user_id = await seed_user(db, FIRST_DRAFT + n, f"Draft {n}", "de")
                session.add(
                    IntakeDraft(
                        user_id=user_id,
                        step="email",
                        answers={},
                        consent_version="2026-11",
                        consented_at=utcnow(),
                        remind_at=utcnow() - timedelta(minutes=1),
                        expires_at=utcnow() + timedelta(days=10),
                    )
                )
    finally:
        await db.dispose()


async def _scalars(database_url: str, statement: object) -> list[object]:
    """Run one query on a connection of its own."""
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            return list((await session.execute(statement)).scalars())  # type: ignore[call-overload]
    finally:
        await db.dispose()


@pytest.mark.parametrize(("mode", "size"), [("webhook", 3), ("run", 2)], ids=["webhook-x3", "polling-x2"])
async def test_nothing_lost_doubled_or_out_of_order_across_processes_and_kills(
    postgres_url: str, tmp_path: Path, mode: str, size: int
) -> None:
    seed = int(os.environ.get("CHAOS_SEED") or random.SystemRandom().randrange(2**32))
    print(f"\nseveral-processes seed {seed} (repeat with CHAOS_SEED={seed})")
    rng = random.Random(seed)
    await _seed(postgres_url)
    stamps = tmp_path / "arrivals.txt"
    async with sandbox() as server, observing(server.base_url, stamps) as observed_url:
        emulator = server.emulator
        chatters = [emulator.add_user(f"U{n}", "de", user_id=FIRST_CHATTER + n).id for n in range(CHATS)]
        advisors = [emulator.add_user(f"A{n}", "de", user_id=FIRST_ADVISOR + n).id for n in range(ADVISORS)]
        for n in range(REQUESTS):
            emulator.add_user(f"C{n}", "de", user_id=FIRST_CONTACT + n)
        drafts = [emulator.add_user(f"D{n}", "de", user_id=FIRST_DRAFT + n).id for n in range(REMINDED)]
        pool = ProcessPool(
            server,
            postgres_url,
            tmp_path,
            size,
            mode,
            TELEGRAM_BASE_URL=observed_url,
            SEND_RATE_PER_SECOND=str(SEND_RATE),
            CHAT_LEASE_SECONDS="3",
            POLLING_STANDBY_SECONDS="1",
        )
        await pool.start()
        done = asyncio.Event()
        chaos = asyncio.create_task(pool.chaos(rng, done, (3.0, 7.0), KILLS))
        try:
            for round_ in range(PER_CHAT):
                for chat in chatters:
                    emulator.send_text(chat, COMMANDS[round_ % len(COMMANDS)])
                await asyncio.sleep(rng.uniform(0.2, 0.8))

            def finished() -> bool:
                return all(len(_collapsed(_texts(emulator, c))) >= PER_CHAT for c in chatters) and all(
                    _texts(emulator, d) for d in drafts
                )

            await emulator.wait_for(finished, timeout=300, what="every reply, offer and reminder")
        except TimeoutError:
            raise AssertionError(pool.logs_text()) from None
        finally:
            done.set()
            await chaos
        await asyncio.sleep(1.0)  # a message sent twice would arrive by now
        await pool.stop()
    print(f"{mode}: {pool.kills} processes killed and restarted")
    assert pool.kills >= 2, "the processes were not killed often enough to test anything"

    # Every update handled exactly once: done in the inbox, one reply written for each.
    statuses = Counter(await _scalars(postgres_url, select(InboxUpdate.status)))
    assert statuses == {InboxStatus.DONE.value: CHATS * PER_CHAT}, statuses
    per_update = Counter(
        await _scalars(
            postgres_url, select(OutboxMessage.inbox_id).where(OutboxMessage.chat_id.in_(chatters))
        )
    )
    assert len(per_update) == CHATS * PER_CHAT and set(per_update.values()) == {1}
    # Every chat's replies in the order of its messages.
    for chat in chatters:
        kinds = [_kind(t) for t in _collapsed(_texts(emulator, chat))]
        assert kinds == [i % len(COMMANDS) for i in range(PER_CHAT)], f"chat {chat}: {kinds}\n" + timeline(
            stamps, chat
        )
    # Every due offer and reminder went out, each written once.
    offers = await _scalars(postgres_url, select(func.count()).select_from(Offer))
    assert offers == [REQUESTS]
    assert sum(len(_collapsed(_texts(emulator, a))) for a in advisors) >= REQUESTS
    assert all(len(_collapsed(_texts(emulator, d))) == 1 for d in drafts)
    reminded = await _scalars(
        postgres_url,
        select(func.count()).select_from(IntakeDraft).where(IntakeDraft.reminded_at.is_not(None)),
    )
    assert reminded == [REMINDED]
    # The shared budget held for all processes together: never more than the rate in one second,
    # counted on arrival at the observer.
    budgeted = set(advisors) | set(drafts)
    sent = [at for at, chat, status in arrivals(stamps) if chat in budgeted and status == 200]
    per_second = Counter(int(at) for at in sent)
    assert sum(per_second.values()) >= REQUESTS + REMINDED
    print(f"{mode}: busiest second of offers and reminders: {max(per_second.values())} (rate {SEND_RATE})")
    assert max(per_second.values()) <= SEND_RATE, f"{per_second}\n{pool.logs_text()}"
