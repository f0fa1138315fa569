"""Paced gates for the send limiter: one slot at a time, first come first served within a lane.

A gate hands out slots of one pacing (the reply ceiling, or the overall budget of the interactive
and bulk lanes). Waiters queue per lane in arrival order; each slot goes to the oldest waiter of
the most urgent lane that has one, decided when the slot comes, so an interactive send that
arrives while a bulk send waits for its slot takes that slot. Nobody is served by waking first.

The budget's pacing spaces slots evenly at the ceiling's rate and saves up no slots while idle
(the reply ceiling, which guards no Telegram limit, lets a burst go: :class:`BurstPacer`): a window
that let the whole second's calls go at once would be exact on our side but bursty on
Telegram's, where uneven network delays pack them into one of its seconds. A slot given late
(the event loop was busy) is caught up on by giving the next one a little sooner, never closer
than 90 % of a spacing to the last and never more than the rate within any second, so the
rate is reached, not merely approached.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeAlias

from models import OutboxLane

log = logging.getLogger(__name__)

# What a waiter is handed: when its slot was due, and the stamp it sets when it departs (or None).
_Slot: TypeAlias = "asyncio.Future[tuple[float, list[float] | None]]"

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
        self._refill(now)
        return now if self._tokens >= 1 else now + (1 - self._tokens) / self.ceiling.rate(now)

    def given(self, now: float) -> None:
        """A slot was handed out at ``now``: it takes one token."""
        self._refill(now)
        self._tokens -= 1


class PacedGate:
    """Hands out paced slots to the lanes it serves, the most urgent lane first."""

    def __init__(
        self,
        lanes: Iterable[OutboxLane],
        reserve: Callable[[], Awaitable[float]],
        given: Callable[[float], list[float] | None],
        late_after: Callable[[float], float] | None = None,
        not_before: Callable[[], float] | None = None,
    ) -> None:
        """A gate for ``lanes``; ``reserve`` gives the time of the next slot, ``given`` hears of each
        and may return a stamp that the slot's waiter sets to when it departs; no slot goes before
        ``not_before()``, asked again after every wait.

        With ``late_after``, a slot whose wake-up came later than that many seconds (a busy event
        loop) is given up and a new one taken: sent late, it would bunch with the slots other
        processes took after it, and one second could then hold more than the rate.
        """
        self._queues: dict[OutboxLane, deque[_Slot]] = {lane: deque() for lane in sorted(lanes)}
        self._reserve = reserve
        self._given = given
        self._late_after = late_after
        self._not_before = not_before or (lambda: 0.0)
        self.paused_until = 0.0
        self._pump: asyncio.Task[None] | None = None

    def waiting(self, lane: OutboxLane | None = None) -> int:
        """How many sends wait for a slot (in ``lane``, or in all lanes)."""
        queues = [self._queues[lane]] if lane is not None else list(self._queues.values())
        return sum(1 for queue in queues for future in queue if not future.done())

    def pause(self, until: float) -> None:
        """Give no slot before the monotonic time ``until``."""
        self.paused_until = max(self.paused_until, until)

    async def close(self) -> None:
        """Stop handing out slots (the process stops sending; its waiters are cancelled)."""
        if self._pump is not None and not self._pump.done():
            self._pump.cancel()
            await asyncio.wait([self._pump], timeout=0.5)

    async def take(self, lane: OutboxLane) -> None:
        """Wait for a slot behind every earlier waiter of ``lane`` and of more urgent lanes.

        A waiter that resumes later than ``late_after`` after its slot was due (a busy event loop)
        queues again at the head of its lane rather than send out of step.
        """
        queue = self._queues[lane]
        first = True
        for attempt in range(2):
            future: _Slot = asyncio.get_running_loop().create_future()
            if first:
                queue.append(future)
            else:
                queue.appendleft(future)
            first = False
            if self._pump is None or self._pump.done():
                self._pump = asyncio.create_task(self._hand_out(), name="send-gate")
            try:
                due, stamp = await future
            except asyncio.CancelledError:
                # A slot handed over just as its waiter was cancelled is lost: one gap, no burst.
                if future in queue:
                    queue.remove(future)
                raise
            now = time.monotonic()
            # Only once: under a lasting lag every slot would be late, and sends must go on.
            # Lateness counts from when the slot was due, however it came about (the hand-out's
            # wake-up or this waiter's), so it is bounded once, not once per step.
            if attempt or self._late_after is None or now - due <= self._late_after(now):
                if stamp is not None:
                    stamp[0] = now  # it departs now: the pacing counts from here
                return

    def _head(self) -> deque[_Slot] | None:
        """The queue whose first waiter gets the next slot, None when nobody waits."""
        for queue in self._queues.values():
            while queue and queue[0].done():
                queue.popleft()  # cancelled while waiting
            if queue:
                return queue
        return None

    async def _hand_out(self) -> None:
        """Give slots one at a time while anybody waits, then end (the next waiter restarts it).

        A slot found late is given up once; the one after it is used however late, because under a
        lasting lag (a slow database far away) every slot arrives late and sends must go on.
        """
        gave_up = False
        while self._head() is not None:
            try:
                slot = await self._reserve()
                while True:
                    # A 429 while this slot is awaited moves it on.
                    wait = max(slot, self.paused_until, self._not_before()) - time.monotonic()
                    if wait <= 0:
                        break
                    await asyncio.sleep(wait)
            except Exception:
                # Never leave the waiters hanging: pace by the sleep below and try again.
                log.exception("pacing a send failed")
                await asyncio.sleep(0.1)
                continue
            now = time.monotonic()
            due = max(slot, self.paused_until, self._not_before())
            late = self._late_after is not None and now - due > self._late_after(now)
            if late and not gave_up:
                gave_up = True
                continue
            if late:
                due = now  # its lateness is accepted here; the waiter judges only its own delay
            gave_up = False
            queue = self._head()
            if queue is None:
                return  # the waiter left meanwhile; its slot stays unused
            queue.popleft().set_result((due, self._given(now)))
