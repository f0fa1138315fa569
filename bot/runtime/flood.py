"""Flood guard: a token bucket per person on incoming updates, checked before any work is queued.

Each person may send ``burst`` updates at once and then ``rate`` per second. The update that
finds the bucket empty is dropped with one polite notice; every further update is dropped in
silence until the bucket has refilled completely (``burst / rate`` seconds), so the notice's
promise ("we answer again within a minute") holds however long the flood goes on.
Coordinators get ``COORDINATOR_FACTOR`` times the allowance: stepping through lists and screens
is their daily work, and their accounts are known to the programme.
"""

from __future__ import annotations

import enum
import logging
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import normalize_locale, translations
from bot.runtime import inbox, outbox
from bot.runtime.inbox import InboxItem
from models import OutboxLane, Role, User, UserRole

log = logging.getLogger(__name__)

COORDINATOR_FACTOR = 3.0
# Drop the state of people whose bucket is full once this many are tracked (memory stays bounded).
_FORGET_ABOVE = 10_000

Clock = Callable[[], float]


class Verdict(enum.Enum):
    """What to do with one incoming update."""

    HANDLE = "handle"
    NOTIFY = "notify"  # over the limit for the first time: drop it and send the notice
    DROP = "drop"  # over the limit again before the bucket refilled: drop it silently


@dataclass
class _Bucket:
    """One person's token bucket and mute time."""

    capacity: float
    rate: float
    tokens: float
    stamp: float
    muted_until: float | None = None

    def refill(self, now: float) -> None:
        """Add what the rate has earned since the last look, up to the capacity."""
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = now


class FloodGuard:
    """Decides per Telegram user whether an incoming update is handled or dropped."""

    def __init__(self, burst: int, rate_per_second: float, clock: Clock = time.monotonic) -> None:
        """A guard allowing ``burst`` updates at once and ``rate_per_second`` after."""
        self.burst = float(burst)
        self.rate = rate_per_second
        self.clock = clock
        self._buckets: dict[int, _Bucket] = {}

    @property
    def quiet_seconds(self) -> float:
        """How long a person who hit the limit is not answered (an empty bucket filling up)."""
        return self.burst / self.rate

    def check(self, user_id: int, privileged: bool = False) -> Verdict:
        """Count one update of ``user_id`` and say what to do with it."""
        now = self.clock()
        factor = COORDINATOR_FACTOR if privileged else 1.0
        capacity, rate = self.burst * factor, self.rate * factor
        bucket = self._buckets.get(user_id)
        if bucket is None:
            if len(self._buckets) >= _FORGET_ABOVE:
                self._forget_idle(now)
            bucket = self._buckets[user_id] = _Bucket(capacity, rate, capacity, now)
        bucket.refill(now)
        if bucket.capacity != capacity:
            # A role granted or revoked since the bucket was made: the allowance grows or shrinks
            # by the difference, as if the bucket had always had the new size.
            bucket.tokens = max(0.0, min(capacity, bucket.tokens + capacity - bucket.capacity))
            bucket.capacity, bucket.rate = capacity, rate
        if bucket.muted_until is not None:
            if now < bucket.muted_until:
                return Verdict.DROP
            bucket.muted_until = None
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Verdict.HANDLE
        bucket.muted_until = now + (bucket.capacity - bucket.tokens) / bucket.rate
        return Verdict.NOTIFY

    def surely_handles(self, user_id: int, count: int) -> bool:
        """Whether the next ``count`` updates of ``user_id`` are handled whatever their role: their
        bucket is new or of the ordinary size, not muted, and holds that many tokens. Their role
        need not be looked up then (a coordinator's larger bucket is granted once the ordinary
        one would not do, with the difference added, as if it had always been the larger)."""
        bucket = self._buckets.get(user_id)
        if bucket is None:
            return self.burst >= count
        if bucket.capacity != self.burst or bucket.muted_until is not None:
            return False
        earned = max(0.0, self.clock() - bucket.stamp) * bucket.rate
        return min(bucket.capacity, bucket.tokens + earned) >= count

    def _forget_idle(self, now: float) -> None:
        """Drop the buckets that are full again: they hold nothing a new bucket would not."""
        for user_id, bucket in list(self._buckets.items()):
            bucket.refill(now)
            quiet = bucket.muted_until is not None and now < bucket.muted_until
            if bucket.tokens >= bucket.capacity and not quiet:
                del self._buckets[user_id]


def sender_id(payload: dict[str, Any]) -> int | None:
    """The Telegram user who sent a raw update (its object's ``from``), or None."""
    for key, value in payload.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        sender = value.get("from") or value.get("user")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int) and not sender.get("is_bot"):
            return int(sender["id"])
    return None


def notice_text(locale: str, quiet_seconds: float) -> str:
    """The one slow-down notice, in ``locale``, true to how long the guard stays quiet."""
    minutes = max(1, math.ceil(quiet_seconds / 60))
    text = translations(locale).ngettext(
        "Please slow down: you have sent very many messages in a short time. "
        "We will answer your messages again within a minute.",
        "Please slow down: you have sent very many messages in a short time. "
        "We will answer your messages again within %(count)d minutes.",
        minutes,
    )
    return text % {"count": minutes} if "%(count)" in text else text


# Which of a batch's senders are coordinators (a larger allowance): asked for every batch, built once.
_COORDINATORS_AMONG = (
    select(User.telegram_id)
    .join(UserRole)
    .where(
        User.telegram_id.in_(bindparam("telegram_ids", expanding=True)),
        UserRole.role == Role.COORDINATOR.value,
    )
)


async def screen(
    session: AsyncSession, guard: FloodGuard, items: list[InboxItem], default_locale: str
) -> list[InboxItem]:
    """Count each new update against its sender's allowance; returns those to handle.

    Runs in the transaction that stored them: a dropped update is marked done (payload gone, note
    kept) and stays in the inbox, so a repeat of it is still recognised. The notice goes only to
    the person's private chat; in a group the guard stays silent rather than talk to everyone.
    """
    senders = {item.inbox_id: sender_id(item.payload) for item in items}
    counts = Counter(s for s in senders.values() if s is not None)
    # Only the roles of senders whose ordinary allowance might not do are looked up.
    known = {sender for sender, count in counts.items() if not guard.surely_handles(sender, count)}
    coordinators: set[int] = set()
    if known:
        coordinators = set(await session.scalars(_COORDINATORS_AMONG, {"telegram_ids": list(known)}))
    accepted: list[InboxItem] = []
    for item in items:
        sender = senders[item.inbox_id]
        verdict = Verdict.HANDLE if sender is None else guard.check(sender, sender in coordinators)
        if verdict is Verdict.HANDLE:
            accepted.append(item)
            continue
        await inbox.claim(session, item.inbox_id, item.update_id, note="dropped by the flood guard")
        if verdict is Verdict.NOTIFY:
            log.warning(
                "update %s: its sender is over the flood limit; not answered for %.0f s",
                item.update_id,
                guard.quiet_seconds,
            )
        if verdict is Verdict.NOTIFY and sender is not None and item.chat_key == sender:
            locale = await _locale_of(session, sender, item.payload, default_locale)
            outbox.enqueue_text(
                session,
                sender,
                notice_text(locale, guard.quiet_seconds),
                inbox_id=item.inbox_id,
                lane=OutboxLane.REPLY,
            )
    return accepted


async def _locale_of(session: AsyncSession, telegram_id: int, payload: dict[str, Any], default: str) -> str:
    """The person's chosen language, else their Telegram app's, else the default."""
    stored = await session.scalar(select(User.locale).where(User.telegram_id == telegram_id))
    if stored:
        return str(stored)
    for value in payload.values():
        sender = value.get("from") if isinstance(value, dict) else None
        if isinstance(sender, dict):
            code = sender.get("language_code")
            return normalize_locale(code if isinstance(code, str) else None, default)
    return default
