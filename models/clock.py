"""The bot's one source of the current time (``models.utcnow`` reads it).

In production the clock is plain ``datetime.now(UTC)``: its offset can only be moved after
:meth:`Clock.allow_moving`, which the sandbox alone calls, so that a demo can let hours or days
pass (offer expiry, reminders, the outcome question) without waiting for them. Time only moves
forward; a reset of the sandbox puts it back to the real time together with a fresh database.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ClockLocked(RuntimeError):
    """Raised when something outside the sandbox tries to move the bot's time."""


class Clock:
    """Real UTC time, plus an offset that only a sandbox may advance."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._movable = False

    @property
    def offset(self) -> timedelta:
        """How far the clock runs ahead of the real time (zero outside the sandbox)."""
        return self._offset

    @property
    def movable(self) -> bool:
        """Whether this process may move the clock (only the sandbox turns this on)."""
        return self._movable

    def now(self) -> datetime:
        """The current time, timezone-aware in UTC."""
        if not self._movable:
            return datetime.now(UTC)
        return datetime.now(UTC) + self._offset

    def allow_moving(self) -> None:
        """Let this process move the clock; called by the sandbox command and nowhere else."""
        self._movable = True

    def advance(self, delta: timedelta) -> datetime:
        """Let ``delta`` pass at once; returns the new current time."""
        if not self._movable:
            raise ClockLocked("the bot's clock can only be moved in the sandbox")
        if delta <= timedelta(0):
            raise ValueError("time only moves forward")
        self._offset += delta
        return self.now()

    def reset(self) -> None:
        """Back to the real time (a sandbox reset starts a fresh database too)."""
        self._offset = timedelta(0)


CLOCK = Clock()
