"""Broadcasts end to end: people seeded in the database and known to the emulator as chats,
broadcasts released through the services, the real bot's sweep and sender moving them, and what
the emulator received read back (per chat, per second, around a 429)."""

from __future__ import annotations

import asyncio
import inspect
import itertools
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import insert, select

from bot.db import Database
from bot.runtime.sender import OutboxSender
from bot.sandbox.emulator import Emulator
from bot.sandbox.faults import is_faultable
from bot.sandbox.models import CallRecord
from bot.services import broadcasts
from bot.services.broadcast_audience import AudienceFilter
from bot.services.broadcast_results import BroadcastOutcome, BroadcastResult
from models import (
    Advisor,
    Broadcast,
    BroadcastAudience,
    BroadcastRecipient,
    NewsConsent,
    Role,
    User,
    UserRole,
    utcnow,
)
from tests.matching_e2e_helpers import seed_user

T = TypeVar("T")

# Short sweeps so a test waits for the sender, not for the next step. The send rate leaves more
# headroom below Telegram's 30/s than the default 25/s: the limit is checked on the arrival times
# the emulator records, and on a loaded 2-core machine (the suite runs two workers) a stalled
# event loop in the test process bunches arrivals that left the bot evenly paced.
BOT_ENV = {"BROADCAST_SWEEP_SECONDS": "0.5", "SEND_RATE_PER_SECOND": "20"}
TELEGRAM_LIMIT_PER_SECOND = 30
# How many bulk chats the sender has claimed at most at any moment: the sends a kill -9 or a
# cancel can catch in flight.
BULK_IN_FLIGHT = int(inspect.signature(OutboxSender.__init__).parameters["max_bulk_in_flight"].default)
FINAL = {"delivered", "blocked", "failed", "cancelled"}

_telegram_ids = itertools.count(6_000_001)


@dataclass(frozen=True)
class Audience:
    """The coordinator who releases broadcasts and the people they reach (chat id == Telegram id)."""

    coordinator: int  # users.id
    coordinator_chat: int
    chats: list[int]


async def seed_audience(db: Database, emulator: Emulator, contacts: int, advisors: int = 0) -> Audience:
    """A coordinator, ``contacts`` contacts who agreed to news and ``advisors`` active advisors, all
    stored in bulk and each with a private chat in the emulator."""
    coordinator_chat = emulator.add_user("Cora Koordination", "de").id
    coordinator = await seed_user(db, coordinator_chat, "Cora", "de", [Role.COORDINATOR])
    contact_ids = [next(_telegram_ids) for _ in range(contacts)]
    advisor_ids = [next(_telegram_ids) for _ in range(advisors)]
    for telegram_id in contact_ids + advisor_ids:
        emulator.add_user(f"P{telegram_id}", "de", user_id=telegram_id)
    now = utcnow()
    async with db.transaction() as session:
        await session.execute(
            insert(User),
            [
                {
                    "telegram_id": t,
                    "first_name": f"P{t}",
                    "locale": "de",
                    "created_at": now,
                    "last_seen_at": now,
                }
                for t in contact_ids + advisor_ids
            ],
        )
        everyone = contact_ids + advisor_ids
        found = await session.execute(
            select(User.telegram_id, User.id).where(User.telegram_id.between(min(everyone), max(everyone)))
        )
        user_of = dict(found.tuples().all())
        if contact_ids:
            await session.execute(
                insert(NewsConsent),
                [
                    {"user_id": user_of[t], "notice_version": "2026-11", "consented_at": now}
                    for t in contact_ids
                ],
            )
        if advisor_ids:
            await session.execute(
                insert(UserRole),
                [{"user_id": user_of[t], "role": Role.ADVISOR.value, "granted_at": now} for t in advisor_ids],
            )
            await session.execute(
                insert(Advisor),
                [
                    {
                        "user_id": user_of[t],
                        "display_name": f"Beratung {t}",
                        "languages": ["tr"],
                        "home_ags": "08416041",
                        "kreise": [],
                        "regierungsbezirke": [],
                        "topics": ["festival"],
                        "capacity": 2,
                        "active": True,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for t in advisor_ids
                ],
            )
    return Audience(coordinator, coordinator_chat, contact_ids + advisor_ids)


async def bot_up(emulator: Emulator, timeout: float = 30.0) -> None:
    """Wait until the bot process has started (it publishes its command menus first)."""
    await emulator.wait_for_call("setMyCommands", lambda c: True, timeout=timeout)


async def release(db: Database, audience: Audience, text: str, send_at: datetime | None = None) -> int:
    """A broadcast to advisors and consenting contacts, drafted and released as a coordinator
    does it (``send_at`` None: with the next sweep); returns its id."""
    async with db.transaction() as session:
        drafted = await broadcasts.create_draft(
            session, audience.coordinator, BroadcastAudience.BOTH, AudienceFilter(), text, utcnow()
        )
        assert drafted.kind == BroadcastOutcome.DONE and drafted.broadcast is not None, drafted.errors
        released = await broadcasts.schedule(
            session, drafted.broadcast.id, audience.coordinator, utcnow(), send_at
        )
        assert released.kind == BroadcastOutcome.DONE, released
        return drafted.broadcast.id


async def cancel(db: Database, audience: Audience, broadcast_id: int) -> BroadcastResult:
    """The coordinator cancels the broadcast (committed when this returns)."""
    async with db.transaction() as session:
        result = await broadcasts.cancel(session, broadcast_id, audience.coordinator, utcnow())
    assert result.kind == BroadcastOutcome.DONE, result
    return result


async def broadcast_row(db: Database, broadcast_id: int) -> Broadcast:
    """The broadcast as stored now (status and the counts of its outcome)."""
    async with db.transaction() as session:
        found = await session.get(Broadcast, broadcast_id, populate_existing=True)
    assert found is not None
    return found


async def recipient_statuses(db: Database, broadcast_id: int) -> dict[int, str]:
    """Chat id → the recipient's status."""
    async with db.transaction() as session:
        rows = await session.execute(
            select(BroadcastRecipient.chat_id, BroadcastRecipient.status).where(
                BroadcastRecipient.broadcast_id == broadcast_id
            )
        )
        return {int(chat): str(status) for chat, status in rows.tuples().all()}


async def poll(check: Callable[[], Awaitable[T]], timeout: float, what: str, interval: float = 0.5) -> T:
    """Ask the database (another process writes it) until ``check`` returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        if value := await check():
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(interval)


async def wait_finished(db: Database, broadcast_id: int, timeout: float) -> Broadcast:
    """Wait until the broadcast is done or cancelled and every recipient has an outcome."""

    async def finished() -> Broadcast | None:
        broadcast = await broadcast_row(db, broadcast_id)
        if broadcast.status not in ("done", "cancelled"):
            return None
        statuses = await recipient_statuses(db, broadcast_id)
        return broadcast if set(statuses.values()) <= FINAL else None

    return await poll(finished, timeout, f"broadcast {broadcast_id} to finish")


# -- what the emulator received -------------------------------------------------------------


def is_copy(sent: object, text: str) -> bool:
    """Whether a sent message is a recipient's copy of a broadcast with ``text``: the sender line on
    top, then the text (and, for news recipients, the way to unsubscribe below)."""
    return isinstance(sent, str) and sent.startswith("📣") and f"\n\n{text}" in sent


def sends_of(emulator: Emulator, text: str) -> list[CallRecord]:
    """Every sendMessage call carrying a copy of the broadcast ``text``, answered or not."""
    return [c for c in emulator.calls_to("sendMessage") if is_copy(c.params.get("text"), text)]


def delivered(emulator: Emulator, text: str) -> Counter[int]:
    """Chat id → how many times ``text`` arrived there (successful calls only)."""
    return Counter(int(c.params["chat_id"]) for c in sends_of(emulator, text) if c.ok)


def count_delivered(emulator: Emulator, text: str) -> int:
    """How many sends of ``text`` succeeded (cheap enough for ``wait_for`` predicates)."""
    return sum(1 for c in emulator.calls if c.ok and is_copy(c.params.get("text"), text))


def delivering_calls(emulator: Emulator) -> list[CallRecord]:
    """Successful calls that put something into a chat: what Telegram's send limit counts."""
    return [c for c in emulator.calls if c.ok and is_faultable(c.method)]


def busiest_second(stamps: Iterable[float]) -> int:
    """The most calls that arrived within any sliding one-second window."""
    ordered = sorted(stamps)
    busiest, start = 0, 0
    for end, stamp in enumerate(ordered):
        while stamp - ordered[start] >= 1.0:
            start += 1
        busiest = max(busiest, end - start + 1)
    return busiest


def first_reply(emulator: Emulator, chat: int, after: float) -> CallRecord | None:
    """The bot's first successful sendMessage to ``chat`` arriving after ``after`` (monotonic)."""
    return next(
        (
            c
            for c in emulator.calls_to("sendMessage")
            if c.ok and c.params.get("chat_id") == chat and c.time >= after
        ),
        None,
    )


def rate_limited(emulator: Emulator) -> list[CallRecord]:
    """Calls the emulator answered with 429."""
    return [c for c in emulator.calls if c.error and c.error.get("error_code") == 429]
