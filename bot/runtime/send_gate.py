"""Paced gates for the send limiter: one slot at a time, first come first served within a lane.

A gate hands out slots of one pacing (the reply ceiling, or the overall budget of the interactive
and bulk lanes). Waiters queue per lane in arrival order; each slot goes to the oldest waiter of
the most urgent lane that has one, decided when the slot comes, so an interactive send that
arrives while a bulk send waits for its slot takes that slot. Nobody is served by waking first.
When a slot is due is the pacing's business (:mod:`bot.runtime.send_pacing`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeAlias

from models import OutboxLane

log = logging.getLogger(__name__)

# What a waiter is handed: when its slot was due, and the stamp it sets when it departs (or None).
_Slot: TypeAlias = "asyncio.Future[tuple[float, list[float] | None]]"


class PacedGate:
    """Hands out paced slots to the lanes it serves, the most urgent lane first."""

    def __init__(
        self,
        lanes: Iterable[OutboxLane],
        reserve: Callable[[], Awaitable[float]],
        given: Callable[[float], list[float] | None],
        late_after: Callable[[float], float] | None = None,
        not_before: Callable[[], float] | None = None,
        free_now: Callable[[float], bool] | None = None,
    ) -> None:
        """A gate for ``lanes``; ``reserve`` gives the time of the next slot, ``given`` hears of each
        and may return a stamp that the slot's waiter sets to when it departs; no slot goes before
        ``not_before()``, asked again after every wait.

        With ``free_now``, which says whether a slot is free at once, a send that finds nobody
        waiting takes that slot itself instead of through the task that hands slots out: the
        hop through that task would delay every lone reply by a few turns of the event loop.

        With ``late_after``, a slot whose wake-up came later than that many seconds (a busy event
        loop) is given up and a new one taken: sent late, it would bunch with the slots other
        processes took after it, and one second could then hold more than the rate.
        """
        self._queues: dict[OutboxLane, deque[_Slot]] = {lane: deque() for lane in sorted(lanes)}
        self._reserve = reserve
        self._given = given
        self._late_after = late_after
        self._not_before = not_before or (lambda: 0.0)
        self._free_now = free_now
        self._queued = 0  # sends in the queued way of take, from queueing until they depart
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
        if self._taken_at_once():
            return
        self._queued += 1
        try:
            await self._queue_for(lane)
        finally:
            self._queued -= 1

    async def _queue_for(self, lane: OutboxLane) -> None:
        """Wait in ``lane``'s queue for a slot from the hand-out (see :meth:`take`)."""
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

    def _taken_at_once(self) -> bool:
        """Take a slot without waiting if one is free now and no other send is on its way through
        the queue (waiting, or handed a slot and not yet resumed: none is overtaken); False when
        the send must queue."""
        if self._free_now is None or self._queued:
            return False
        now = time.monotonic()
        if self.paused_until > now or self._not_before() > now or not self._free_now(now):
            return False
        self._given(now)  # departs now; a stamp it returns is already right
        return True

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
