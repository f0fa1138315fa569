"""The send limiter's lanes: replies beside the budget, first come first served, 429s that teach."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.runtime.rate_limit import SendRateLimiter
from bot.runtime.send_pacing import REPLY_BURST_SECONDS
from models import OutboxLane

REPLY, INTERACTIVE, BULK = OutboxLane.REPLY, OutboxLane.INTERACTIVE, OutboxLane.BULK


async def _granted(limiter: SendRateLimiter, chat: int, lane: OutboxLane, log: list[str], name: str) -> float:
    """Acquire a slot, note ``name`` in ``log`` in the order of grants, return when it came."""
    await limiter.acquire(chat, lane)
    log.append(name)
    return time.monotonic()


async def test_a_reply_is_not_delayed_by_a_running_broadcasts_budget() -> None:
    limiter = SendRateLimiter(per_second=4, reply_per_second=300)
    order: list[str] = []
    bulk = [asyncio.create_task(_granted(limiter, 100 + n, BULK, order, f"bulk{n}")) for n in range(12)]
    await bulk[0]  # the broadcast is under way
    asked = time.monotonic()
    answered = await _granted(limiter, 7, REPLY, order, "reply")
    # It went before the broadcast's next slot, not after its queue (three seconds of it).
    assert order.index("reply") == 1 and answered - asked < 0.2
    # ... and took nothing from the budget: the broadcast still gets all its slots.
    assert limiter.overall.waiting(BULK) == 11
    for task in bulk:
        task.cancel()
    await asyncio.gather(*bulk, return_exceptions=True)


async def test_interactive_goes_before_bulk_but_after_earlier_interactive() -> None:
    limiter = SendRateLimiter(per_second=20)
    order: list[str] = []
    tasks = [asyncio.create_task(_granted(limiter, 100 + n, BULK, order, f"b{n}")) for n in range(6)]
    await asyncio.sleep(0)
    tasks += [asyncio.create_task(_granted(limiter, 200 + n, INTERACTIVE, order, f"i{n}")) for n in range(3)]
    await asyncio.gather(*tasks)
    # b0 had its slot at once; every interactive call then went first, in arrival order.
    assert order == ["b0", "i0", "i1", "i2", "b1", "b2", "b3", "b4", "b5"]


@pytest.mark.parametrize("lane", [REPLY, INTERACTIVE, BULK])
async def test_first_come_first_served_within_a_lane(lane: OutboxLane) -> None:
    # Waiters arrive while others are asleep for their slot: the earliest is served first, not
    # whoever wakes first. Late arrivals come in bursts between the slots.
    limiter = SendRateLimiter(per_second=25, reply_per_second=25)
    order: list[str] = []
    tasks: list[asyncio.Task[float]] = []
    arrival = 0
    for burst in range(6):
        for _ in range(burst + 2):
            tasks.append(asyncio.create_task(_granted(limiter, 1000 + arrival, lane, order, str(arrival))))
            arrival += 1
            await asyncio.sleep(0)
        await asyncio.sleep(0.013 * (burst % 3))
    await asyncio.gather(*tasks)
    assert order == [str(n) for n in range(arrival)]


async def test_replies_in_one_chat_are_paced_per_chat_and_other_chats_go_on() -> None:
    limiter = SendRateLimiter(per_second=2, reply_per_second=300)
    order: list[str] = []
    same_chat = [asyncio.create_task(_granted(limiter, 5, REPLY, order, f"a{n}")) for n in range(5)]
    await asyncio.sleep(0)
    asked = time.monotonic()
    others = await asyncio.gather(
        *(_granted(limiter, chat, REPLY, order, f"c{chat}") for chat in range(6, 12))
    )
    stamps = await asyncio.gather(*same_chat)
    # One chat: a burst of three, then about one a second, in the order they were asked for.
    assert [name for name in order if name.startswith("a")] == [f"a{n}" for n in range(5)]
    assert stamps[2] - stamps[0] < 0.5
    assert stamps[3] - stamps[0] >= 0.95 and stamps[4] - stamps[3] >= 0.95
    # Six other people's replies went at once: neither that chat's limit nor the budget of
    # two a second held them up.
    assert max(others) - asked < 0.5 and max(others) < stamps[3]


async def test_replies_to_many_chats_go_at_once_up_to_a_quarter_second_of_the_ceiling() -> None:
    # Thirty people answered in the same instant: a quarter second's worth of the reply ceiling
    # (10 at 40/s) goes at once, the rest at the ceiling's rate, in the order they were asked.
    limiter = SendRateLimiter(per_second=25, reply_per_second=40)
    order: list[str] = []
    asked = time.monotonic()
    stamps = await asyncio.gather(*(_granted(limiter, 100 + n, REPLY, order, str(n)) for n in range(30)))
    assert order == [str(n) for n in range(30)]
    assert stamps[9] - asked < 0.15  # evenly spaced, the tenth would have waited 0.225 s
    assert stamps[10] - asked >= 0.02  # the bucket is empty now: the ceiling holds
    assert stamps[29] - asked >= 0.45  # 20 more at 40/s
    # A 429 on a reply shrinks the burst with the ceiling (to 75 % of it).
    limiter.throttled(200, REPLY, 0.0)
    await asyncio.sleep(0.3)
    asked = time.monotonic()
    rate = limiter.reply_ceiling.rate(asked)  # 30/s, growing back a little each second
    stamps = await asyncio.gather(*(_granted(limiter, 300 + n, REPLY, order, "x") for n in range(10)))
    # Evenly spaced, the seventh would wait 0.2 s; the ninth waits for its token at the cut rate.
    assert stamps[6] - asked < 0.12
    assert stamps[8] - asked >= 0.8 * (9 - rate * REPLY_BURST_SECONDS) / rate


async def test_a_429_on_bulk_pauses_the_budget_for_retry_after_and_lowers_it() -> None:
    limiter = SendRateLimiter(per_second=20, reply_per_second=300)
    await limiter.acquire(1, BULK)
    limiter.throttled(1, BULK, 0.5)
    limiter.throttled(2, BULK, 0.5)  # a second 429 of the same excess
    now = time.monotonic()
    assert limiter.budget_ceiling.rate(now) == pytest.approx(15, rel=0.01)  # cut once, not twice
    # Back to the configured rate: half of the way in 5 s, all of it in 10 s.
    assert limiter.budget_ceiling.rate(now + 5) == pytest.approx(17.5, rel=0.01)
    assert limiter.budget_ceiling.rate(now + 10.5) == 20
    before = time.monotonic()
    reply = asyncio.create_task(limiter.acquire(3, REPLY))
    await limiter.acquire(4, INTERACTIVE)
    assert time.monotonic() - before >= 0.49  # the budget waited retry_after ...
    assert reply.done()  # ... replies did not
    # After the pause the budget paces at the lowered rate: 1/15 s apart, not 1/20 s.
    first = time.monotonic()
    for chat in (5, 6, 7):
        await limiter.acquire(chat, BULK)
    assert time.monotonic() - first >= 0.12


async def test_a_429_on_a_reply_pauses_its_chat_and_lowers_the_reply_ceiling() -> None:
    limiter = SendRateLimiter(per_second=20, reply_per_second=300)
    await limiter.acquire(1, REPLY)
    limiter.throttled(1, REPLY, 0.6)
    now = time.monotonic()
    assert limiter.reply_ceiling.rate(now) == pytest.approx(225, rel=0.01)
    assert limiter.budget_ceiling.rate(now) == 20  # the budget did not produce it
    before = time.monotonic()
    paused_chat = asyncio.create_task(limiter.acquire(1, REPLY))
    await limiter.acquire(2, REPLY)
    await limiter.acquire(3, BULK)
    assert not paused_chat.done()  # other chats and lanes went on
    await paused_chat
    assert time.monotonic() - before >= 0.59


async def test_the_ceiling_is_cut_again_by_a_later_excess_but_not_below_a_floor() -> None:
    limiter = SendRateLimiter(per_second=16, reply_per_second=320)
    now = time.monotonic()
    for _ in range(20):
        limiter.reply_ceiling.cut(now, 0.0)
        now += 1.0  # each a new excess: the last one's quiet second has passed
    # An excess every second keeps it at about a tenth of the configured rate.
    assert limiter.reply_ceiling.rate(now) >= 320 / 16
    assert limiter.reply_ceiling.rate(now) < 320 / 8


async def test_a_cancelled_waiter_leaves_the_queue_without_holding_up_the_next() -> None:
    limiter = SendRateLimiter(per_second=10)
    order: list[str] = []
    first = asyncio.create_task(_granted(limiter, 1, BULK, order, "first"))
    gone = asyncio.create_task(_granted(limiter, 2, BULK, order, "gone"))
    last = asyncio.create_task(_granted(limiter, 3, BULK, order, "last"))
    await first
    gone.cancel()
    await asyncio.gather(gone, return_exceptions=True)
    await last
    assert order == ["first", "last"] and limiter.overall.waiting() == 0


async def test_quiet_chats_are_forgotten() -> None:
    limiter = SendRateLimiter(per_second=1000)
    for chat in range(50):
        await limiter.acquire(chat, BULK)
    limiter.forget_idle_chats()
    assert len(limiter._chats) == 50  # each still refilling its bucket
    for chat in range(50):
        limiter._chats[chat].stamp -= 10
    limiter.forget_idle_chats()
    assert limiter._chats == {}
