"""The paced gate's lateness check counts from when a slot was due, not from when it was handed on."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.runtime import send_gate
from bot.runtime.send_gate import Ceiling, LocalPacer, PacedGate
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
    assert pacer.not_before() == pytest.approx(10.0 + send_gate.WINDOW_SECONDS)
    first[0] = 10.3  # its waiter set off 0.3 s after the slot was given (a busy event loop)
    assert pacer.not_before() == pytest.approx(10.3 + send_gate.WINDOW_SECONDS)


async def test_a_waiter_stamps_the_moment_it_departs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stamp a slot leaves is the time its waiter resumed, not the time it was handed out."""
    clock = SteppingClock(0.03)
    monkeypatch.setattr(send_gate, "time", clock)
    pacer = LocalPacer(Ceiling(1))
    gate = PacedGate((OutboxLane.BULK,), pacer.reserve, pacer.given, not_before=pacer.not_before)
    await gate.take(OutboxLane.BULK)
    departed = clock.now  # the waiter's own reading is the last one
    await gate.close()
    assert pacer.not_before() == pytest.approx(departed + send_gate.WINDOW_SECONDS)
