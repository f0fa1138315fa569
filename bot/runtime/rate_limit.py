"""Telegram's send limits with headroom, with interactive messages ahead of bulk ones.

Overall: calls are paced evenly, one every ``1/per_second`` seconds, without saving up unused
slots. A sliding window that let ``per_second`` calls go at once would be exact on our side but
bursty on Telegram's: uneven network delays then pack more than the limit into one of its
seconds. Per chat: a token bucket; private chats about 1/s with a burst of 3, groups 20/min.
A 429 pauses every send until its ``retry_after`` has passed.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from models import OutboxLane

PRIVATE_RATE, PRIVATE_BURST = 1.0, 3.0
GROUP_RATE, GROUP_BURST = 18 / 60, 3.0


@dataclass
class _Bucket:
    """One chat's token bucket for Telegram's per-chat limit."""

    rate: float
    capacity: float
    tokens: float
    stamp: float = field(default_factory=time.monotonic)

    def wait_time(self, now: float) -> float:
        """Refill the bucket and return how long the next message must wait."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class SendRateLimiter:
    """Decides when the next call may go out; ``acquire`` waits until then."""

    def __init__(self, per_second: float = 25.0) -> None:
        """A limiter allowing ``per_second`` messages overall."""
        self.per_second = per_second
        self._spacing = 1.0 / per_second
        self._next_slot = 0.0
        self._buckets: dict[int, _Bucket] = {}
        self._paused_until = 0.0
        self._interactive_waiting = 0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Hold every send for ``seconds`` (Telegram's ``retry_after``)."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def _bucket(self, chat_id: int) -> _Bucket:
        """The token bucket of ``chat_id`` (groups are slower than private chats)."""
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            rate, burst = (GROUP_RATE, GROUP_BURST) if chat_id < 0 else (PRIVATE_RATE, PRIVATE_BURST)
            bucket = self._buckets[chat_id] = _Bucket(rate, burst, burst)
        return bucket

    async def acquire(self, chat_id: int, lane: OutboxLane) -> None:
        """Wait until a call to ``chat_id`` is within every limit, then count it."""
        interactive = lane == OutboxLane.INTERACTIVE
        if interactive:
            self._interactive_waiting += 1
        try:
            while True:
                async with self._lock:
                    now = time.monotonic()
                    wait = max(
                        self._paused_until - now,
                        self._bucket(chat_id).wait_time(now),
                        self._next_slot - now,
                    )
                    # Bulk calls yield to any waiting interactive call.
                    if wait <= 0 and not interactive and self._interactive_waiting:
                        wait = 0.01
                    if wait <= 0:
                        self._bucket(chat_id).tokens -= 1
                        self._next_slot = now + self._spacing
                        return
                await asyncio.sleep(wait)
        finally:
            if interactive:
                self._interactive_waiting -= 1

    def forget_idle_chats(self) -> None:
        """Drop full buckets so memory does not grow with every chat ever seen."""
        now = time.monotonic()
        for chat_id in [
            c for c, b in self._buckets.items() if b.wait_time(now) == 0 and b.tokens >= b.capacity
        ]:
            del self._buckets[chat_id]
