"""The pacing behind the send gates: a ceiling that a 429 cuts, and when each next slot is due.

The budget's pacing (:class:`LocalPacer`) spaces slots evenly at the ceiling's rate and saves up
no slots while idle: a window that let the whole second's calls go at once would be exact on our
side but bursty on Telegram's, where uneven network delays pack them into one of its seconds. A
slot given late (the event loop was busy) is caught up on by giving the next one a little sooner,
never closer than 90 % of a spacing to the last and never more than the rate within any second,
so the rate is reached, not merely approached. The reply ceiling, which guards no Telegram limit,
lets a burst go (:class:`BurstPacer`).
"""

from __future__ import annotations

import math
import time
from collections import deque

# After a 429 the ceiling comes down to this share of what it was, never below MIN_SHARE of the
# configured rate ...
CUT_SHARE = 0.75
MIN_SHARE = 1 / 16
# ... and grows back by this share of the configured rate per second (three quarters to full in
# 10 s): one 429 in a broadcast costs it about a second, a lasting excess keeps it low.
RECOVERY_SHARE_PER_SECOND = 1 / 40
# Catching up on a late slot: never closer than this share of a spacing to the last one ...
MIN_GAP = 0.9
# ... nor more than the rate's calls within this many seconds of their departures (when each
# waiter set off, however long a handler held the event loop before it could): a little over one,
# for the way from there to Telegram, which is not always equally long (the HTTP client yields
# to other tasks on the way). At 25/s this keeps 30 ms of such jitter out of every second and
# still uses 97 % of the rate when slots bunch.
WINDOW_SECONDS = 1.03
# The reply ceiling lets this many seconds' worth of its rate go at once (75 at 300/s).
REPLY_BURST_SECONDS = 0.25


class Ceiling:
    """A configured rate that a 429 cuts down and that grows back slowly."""

    def __init__(self, per_second: float) -> None:
        """A ceiling of ``per_second`` calls per second, not cut."""
        self.configured = per_second
        self._share = 1.0
        self._cut_at = -math.inf
        self._quiet_until = -math.inf

    def rate(self, now: float) -> float:
        """The calls per second allowed at ``now``."""
        share = min(1.0, self._share + (now - self._cut_at) * RECOVERY_SHARE_PER_SECOND)
        return self.configured * share

    def spacing(self, now: float) -> float:
        """The seconds between two calls at ``now``."""
        return 1.0 / self.rate(now)

    def cut(self, now: float, seconds: float) -> bool:
        """Cut the rate after a 429 that asked for ``seconds``; False if already cut for it.

        The other sends that were under way when the limit was hit come back with 429s too; they
        belong to the same excess and must not cut the rate again.
        """
        if now < self._quiet_until:
            return False
        self._share = max(MIN_SHARE, self.rate(now) / self.configured * CUT_SHARE)
        self._cut_at = now
        self._quiet_until = now + max(seconds, 1.0)
        return True


class LocalPacer:
    """This process's pacing of one ceiling: when the next slot is due."""

    def __init__(self, ceiling: Ceiling) -> None:
        """A pacer with its first slot free at once."""
        self.ceiling = ceiling
        self._due = 0.0
        self._next = 0.0
        # When the last slots left, enough of them to check any second against the rate: each
        # stamp holds the time its slot was given until its waiter stamps its departure.
        self._stamps: deque[list[float]] = deque(maxlen=int(ceiling.configured) + 1)

    async def reserve(self) -> float:
        """The monotonic time of the next slot (now if it is overdue: idle time is not saved up)."""
        self._due = max(self._next, time.monotonic())
        return self._due

    def given(self, now: float) -> list[float]:
        """A slot was handed out at ``now``: the next is due one spacing after this one was due.
        Returns the slot's stamp, for its waiter to set to the moment it departs."""
        spacing = self.ceiling.spacing(now)
        stamp = [now]
        self._stamps.append(stamp)
        self._next = max(self._due + spacing, now + MIN_GAP * spacing)
        return stamp

    def not_before(self) -> float:
        """The earliest the next slot may go: a second (and a little) after the departure of the
        slot the rate's number of calls back, however late its waiter set off."""
        calls = max(1, int(self.ceiling.rate(time.monotonic())))
        return self._stamps[-calls][0] + WINDOW_SECONDS if len(self._stamps) >= calls else 0.0


class BurstPacer:
    """The reply ceiling's pacing: a token bucket holding :data:`REPLY_BURST_SECONDS` of the rate.

    Replies are not bulk: Telegram limits them per chat, not overall, so the ceiling only guards
    against a runaway and need not space them evenly. Evenly spaced, thirty people answered in
    the same instant would wait up to 0.1 s for each other at 300/s; from the bucket they go at
    once. A 429 lowers the refill rate and the bucket's size with the ceiling.
    """

    def __init__(self, ceiling: Ceiling) -> None:
        """A pacer with a full bucket."""
        self.ceiling = ceiling
        self._stamp = time.monotonic()
        self._tokens = self._capacity(self._stamp)

    def _capacity(self, now: float) -> float:
        """How many replies may go at once at ``now``."""
        return max(1.0, self.ceiling.rate(now) * REPLY_BURST_SECONDS)

    def _refill(self, now: float) -> None:
        """Add the tokens earned since the last look, up to the bucket's size."""
        self._tokens = min(self._capacity(now), self._tokens + (now - self._stamp) * self.ceiling.rate(now))
        self._stamp = now

    async def reserve(self) -> float:
        """The monotonic time of the next slot: now while the bucket holds a token."""
        now = time.monotonic()
        return now if self.free_now(now) else now + (1 - self._tokens) / self.ceiling.rate(now)

    def free_now(self, now: float) -> bool:
        """Whether the bucket holds a token at ``now`` (a slot may go without waiting)."""
        self._refill(now)
        return self._tokens >= 1

    def given(self, now: float) -> None:
        """A slot was handed out at ``now``: it takes one token."""
        self._refill(now)
        self._tokens -= 1
