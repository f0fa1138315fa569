"""Telegram's send limits with headroom: replies under their own ceiling, the rest under one budget.

Lanes (see :class:`models.OutboxLane`): a *reply* answers a person's own update in their chat;
Telegram limits it per chat only, so it waits for its chat's bucket and for a per-process
ceiling (``REPLY_RATE_PER_SECOND``, of which a quarter second's worth may go at once), never
for a broadcast. *Interactive* and *bulk* calls share
the overall budget (``SEND_RATE_PER_SECOND``, Telegram allows about 30/s), interactive first;
on PostgreSQL every process takes its slots from one row (:mod:`bot.runtime.send_budget`), so
the rate holds for all of them together. Within a lane, first come, first served
(:mod:`bot.runtime.send_gate`).

Per chat: a token bucket; private chats about 1/s with a burst of 3, groups 18/min.

A 429 pauses what it was about for as long as Telegram says: on a reply, that chat (a reply's
429 is almost always its chat's limit; holding every other person's answer for it would punish
them), on the other lanes the overall budget of every process. The ceiling that produced it is
cut to three quarters and grows back within seconds (:class:`bot.runtime.send_pacing.Ceiling`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass, field

from bot.db import Database
from bot.runtime.send_budget import SharedBudget
from bot.runtime.send_gate import PacedGate
from bot.runtime.send_pacing import BurstPacer, Ceiling, LocalPacer
from models import OutboxLane

log = logging.getLogger(__name__)

PRIVATE_RATE, PRIVATE_BURST = 1.0, 3.0
GROUP_RATE, GROUP_BURST = 18 / 60, 3.0
# How often the buckets of quiet chats are dropped (a broadcast touches thousands of chats).
FORGET_EVERY_SECONDS = 60.0
# Several processes share the budget: a slot used later than this share of a spacing after it was
# due is given up for a new one, and shared slots are spaced as for this many calls less than the
# rate, so that slots of different processes, each used a little late (and each call a little
# longer on its way), never put more than the rate into a second: k + 1 calls in one second need
# k spacings of 1 / (rate - margin) to shrink below a second, more than the lateness allowed.
LATE_SHARE = 0.5
SHARED_MARGIN = 1.0


@dataclass
class _Chat:
    """One chat's token bucket for Telegram's per-chat limit, its 429 pause and its turn order."""

    rate: float
    capacity: float
    tokens: float
    stamp: float = field(default_factory=time.monotonic)
    paused_until: float = 0.0
    # One send of a chat at a time, in arrival order.
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)

    def wait_time(self, now: float) -> float:
        """Refill the bucket and return how long the next message must wait."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        bucket = 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate
        return max(bucket, self.paused_until - now)

    def idle(self, now: float) -> bool:
        """Whether forgetting this chat changes nothing (full bucket, no pause, nobody waiting)."""
        return self.wait_time(now) == 0 and self.tokens >= self.capacity and not self.turn.locked()


class SendRateLimiter:
    """Decides when the next call may go out; ``acquire`` waits until then."""

    def __init__(
        self,
        per_second: float = 25.0,
        reply_per_second: float = 300.0,
        shared: SharedBudget | None = None,
    ) -> None:
        """A limiter: ``per_second`` interactive and bulk calls (shared with other processes
        through ``shared``), ``reply_per_second`` replies in this process."""
        self.per_second = per_second
        self.budget_ceiling = Ceiling(per_second)
        self.reply_ceiling = Ceiling(reply_per_second)
        self._shared = shared
        self._budget_pacer = LocalPacer(self.budget_ceiling)
        self._reply_pacer = BurstPacer(self.reply_ceiling)
        self.overall = PacedGate(
            (OutboxLane.INTERACTIVE, OutboxLane.BULK),
            self._reserve_budget,
            self._budget_pacer.given,
            late_after=lambda now: self._shared_spacing(now) * LATE_SHARE if shared else math.inf,
            not_before=self._budget_pacer.not_before,
        )
        self.replies = PacedGate(
            (OutboxLane.REPLY,),
            self._reply_pacer.reserve,
            self._reply_pacer.given,
            free_now=self._reply_pacer.free_now,
        )
        self._chats: dict[int, _Chat] = {}
        self._forget_at = time.monotonic() + FORGET_EVERY_SECONDS
        self._background: set[asyncio.Task[None]] = set()
        self._ahead: asyncio.Task[float | None] | None = None

    @classmethod
    def for_database(cls, db: Database, per_second: float, reply_per_second: float) -> SendRateLimiter:
        """The limiter of a process on ``db``: on PostgreSQL its budget is shared by every process;
        SQLite has one process, which paces alone."""
        return cls(per_second, reply_per_second, None if db.is_sqlite else SharedBudget(db))

    async def _reserve_budget(self) -> float:
        """The monotonic time of the next overall slot: the database's, else this process's own."""
        if self._shared is not None:
            slot = await self._shared_slot()
            if slot is not None:
                return slot
        return await self._budget_pacer.reserve()

    async def _shared_slot(self) -> float | None:
        """The next slot from the shared budget, taken one ahead while sends queue up.

        Taking the next slot while this one is awaited keeps a slow round trip (a busy database
        or event loop) out of the pacing. A slot taken ahead that was left unused for more than
        a spacing is stale (the other processes went on meanwhile) and is not used.
        """
        ahead, self._ahead = self._ahead, None
        slot = await ahead if ahead is not None else None
        now = time.monotonic()
        if slot is None or slot < now - self.budget_ceiling.spacing(now):
            slot = await self._take_shared_slot()
        if slot is not None and self.overall.waiting() > 1:
            self._ahead = asyncio.get_running_loop().create_task(self._take_shared_slot())
        return slot

    def _shared_spacing(self, now: float) -> float:
        """The spacing of shared slots: a little wider than the rate's, so that a slot used up to
        :data:`LATE_SHARE` of a spacing late (and the call's way to Telegram) never puts more
        calls than the rate into one second."""
        rate = self.budget_ceiling.rate(now)
        return 1.0 / max(rate / 2, rate - SHARED_MARGIN)

    async def _take_shared_slot(self) -> float | None:
        """Reserve one slot of the shared budget; its monotonic time, None if it cannot be asked."""
        assert self._shared is not None
        return await self._shared.reserve(self._shared_spacing(time.monotonic()))

    def slot_went_stale(self, since: float) -> bool:
        """Whether an overall slot held since ``since`` (while something else was awaited) is too old
        to use: the other processes' later slots have gone on, and a call sent now would bunch with
        them. One process alone paces its own calls in order and never needs a new one."""
        now = time.monotonic()
        return self._shared is not None and now - since > self._shared_spacing(now) * LATE_SHARE

    def _chat(self, chat_id: int) -> _Chat:
        """The bucket of ``chat_id`` (groups are slower than private chats)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            rate, burst = (GROUP_RATE, GROUP_BURST) if chat_id < 0 else (PRIVATE_RATE, PRIVATE_BURST)
            chat = self._chats[chat_id] = _Chat(rate, burst, burst)
        return chat

    async def acquire(self, chat_id: int, lane: OutboxLane) -> None:
        """Wait until a call to ``chat_id`` in ``lane`` is within every limit, then count it.

        The chat's own limit is waited for first, outside the lane's queue, so a chat that must
        wait does not hold up the other chats of its lane.
        """
        chat = self._chat(chat_id)
        async with chat.turn:
            while True:
                wait = chat.wait_time(time.monotonic())
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            await (self.replies if lane == OutboxLane.REPLY else self.overall).take(lane)
            chat.wait_time(time.monotonic())
            chat.tokens -= 1
        if time.monotonic() >= self._forget_at:
            self.forget_idle_chats()

    def pause(self, seconds: float) -> None:
        """Hold every send of this process for ``seconds``."""
        until = time.monotonic() + seconds
        self.overall.pause(until)
        self.replies.pause(until)

    def throttled(self, chat_id: int, lane: OutboxLane, seconds: float) -> None:
        """Telegram answered a call with 429 and ``retry_after`` = ``seconds``: pause what it was
        about for that long and lower the ceiling that let it happen."""
        now = time.monotonic()
        chat = self._chat(chat_id)
        chat.paused_until = max(chat.paused_until, now + seconds)
        if lane == OutboxLane.REPLY:
            if self.reply_ceiling.cut(now, seconds):
                log.warning(
                    "429 on a reply: that chat waits %.0f s, replies are paced at %.0f/s for a while",
                    seconds,
                    self.reply_ceiling.rate(now),
                )
            return
        self.overall.pause(now + seconds)
        if self._shared is not None:
            task = asyncio.get_running_loop().create_task(self._shared.pause(seconds))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        if self.budget_ceiling.cut(now, seconds):
            log.warning(
                "429 on the send budget: paused %.0f s, then %.1f/s for a while",
                seconds,
                self.budget_ceiling.rate(now),
            )

    async def close(self) -> None:
        """Stop handing out slots, finish telling the other processes of a pause and close the
        shared budget's pool."""
        await self.overall.close()
        await self.replies.close()
        if self._ahead is not None:
            self._ahead.cancel()
            await asyncio.wait([self._ahead], timeout=0.5)
            self._ahead = None
        if self._background:
            await asyncio.wait(list(self._background), timeout=0.5)
        if self._shared is not None:
            await self._shared.close()

    def forget_idle_chats(self) -> None:
        """Drop full buckets so memory does not grow with every chat ever seen."""
        now = time.monotonic()
        self._forget_at = now + FORGET_EVERY_SECONDS
        for chat_id in [c for c, chat in self._chats.items() if chat.idle(now)]:
            del self._chats[chat_id]
