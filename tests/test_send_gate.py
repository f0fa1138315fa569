"""The paced gate's lateness check counts from when a slot was due, not from when it was handed on."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.runtime import send_gate, send_pacing
from bot.runtime.send_gate import PacedGate
from bot.runtime.send_pacing import BurstPacer, Ceiling, LocalPacer
from models import OutboxLane


class SteppingClock:
    """A monotonic clock that moves on by ``step`` each time it is read (a busy event loop)."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 100.0, step

    def monotonic(self) -> float:
        self.now += self.step
        return self.now


async def test_a_slot_used_too_long_after_it_was_due_is_taken_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Handed on a little late and then picked up a little late: together too late, so the waiter
    takes a new slot rather than send out of step with the other processes."""
    clock = SteppingClock(0.03)
    monkeypatch.setattr(send_gate, "time", clock)
    reserved: list[float] = []

    async def reserve() -> float:
        reserved.append(clock.now)
        return clock.now  # due at once

    gate = PacedGate((OutboxLane.INTERACTIVE,), reserve, lambda _now: None, late_after=lambda _now: 0.07)
    # Read by the hand-out at due + 0.03 and + 0.06 (within 0.07), then by the waiter at + 0.09.
    await gate.take(OutboxLane.INTERACTIVE)
    await gate.close()
    assert len(reserved) == 2


async def test_sends_go_on_when_every_slot_arrives_late() -> None:
    """A lasting lag (each slot known only well after it was due) costs one slot per send, never
    the send: the slot after a given-up one is used however late."""
    reserved: list[float] = []

    async def reserve() -> float:
        reserved.append(time.monotonic())
        return time.monotonic() - 1.0  # due a second ago when its answer arrives

    gate = PacedGate((OutboxLane.BULK,), reserve, lambda _now: None, late_after=lambda _now: 0.05)
    for _ in range(3):
        await asyncio.wait_for(gate.take(OutboxLane.BULK), timeout=2.0)
    await gate.close()
    assert len(reserved) == 3 * 2


def test_the_window_counts_from_departures() -> None:
    """The next slot waits a window after the departure of the slot the rate's number of calls
    back: a waiter that set off late moves the window with it."""
    pacer = LocalPacer(Ceiling(2))
    first = pacer.given(10.0)
    pacer.given(10.5)
    assert pacer.not_before() == pytest.approx(10.0 + send_pacing.WINDOW_SECONDS)
    first[0] = 10.3  # its waiter set off 0.3 s after the slot was given (a busy event loop)
    assert pacer.not_before() == pytest.approx(10.3 + send_pacing.WINDOW_SECONDS)


async def test_a_waiter_stamps_the_moment_it_departs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stamp a slot leaves is the time its waiter resumed, not the time it was handed out."""
    clock = SteppingClock(0.03)
    monkeypatch.setattr(send_gate, "time", clock)
    monkeypatch.setattr(send_pacing, "time", clock)
    pacer = LocalPacer(Ceiling(1))
    gate = PacedGate((OutboxLane.BULK,), pacer.reserve, pacer.given, not_before=pacer.not_before)
    await gate.take(OutboxLane.BULK)
    departed = clock.now  # the waiter's own reading is the last one
    await gate.close()
    assert pacer.not_before() == pytest.approx(departed + send_pacing.WINDOW_SECONDS)


async def _turns_until(awaitable: object, limit: int = 10) -> int:
    """How many turns of the event loop pass before ``awaitable`` (a coroutine) is done, counting
    the turn its task starts in."""
    task = asyncio.ensure_future(awaitable)  # type: ignore[call-overload]
    for turn in range(limit):
        if task.done():
            return turn
        await asyncio.sleep(0)
    task.cancel()
    raise AssertionError("still waiting")


async def test_a_free_reply_slot_is_taken_without_a_turn_of_the_event_loop() -> None:
    """Nobody waits and the bucket holds a token: the reply takes its slot at once, not through
    the hand-out task (a few turns of the loop, which other work would fill first)."""
    pacer = BurstPacer(Ceiling(300))
    gate = PacedGate((OutboxLane.REPLY,), pacer.reserve, pacer.given, free_now=pacer.free_now)
    assert await _turns_until(gate.take(OutboxLane.REPLY)) == 1
    await gate.close()


async def test_a_reply_queues_behind_one_that_waits_and_while_paused() -> None:
    """The slot taken at once never overtakes: while the gate is paused, or a reply already waits
    for the hand-out, a new reply queues as before and is served in its turn."""
    pacer = BurstPacer(Ceiling(300))
    gate = PacedGate((OutboxLane.REPLY,), pacer.reserve, pacer.given, free_now=pacer.free_now)
    order: list[str] = []

    async def send(name: str) -> None:
        await gate.take(OutboxLane.REPLY)
        order.append(name)

    started = time.monotonic()
    gate.pause(started + 0.2)
    first = asyncio.create_task(send("first"))  # paused: it queues
    await asyncio.sleep(0)
    gate.paused_until = 0.0  # the pause is over before the hand-out looks again
    second = asyncio.create_task(send("second"))  # a slot is free, but "first" waits for one
    await asyncio.wait_for(asyncio.gather(first, second), timeout=3)
    assert order == ["first", "second"]
    gate.pause(time.monotonic() + 0.2)
    await gate.take(OutboxLane.REPLY)  # tokens to spare: only the pause holds it back
    assert time.monotonic() - started >= 0.2
    await gate.close()
