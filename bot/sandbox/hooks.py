"""What the page can ask of the bot behind the sandbox (roles, time, a fresh start).

The emulator knows nothing of the bot; ``python -m bot sandbox`` fills these in so that the
page's buttons reach the bot's database and clock. A hook left empty hides its button.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

# The roles a column shows in its header (the page words them in German).
MUNICIPALITY, ADVISOR, COORDINATOR = "municipality", "advisor", "coordinator"


@dataclass
class SandboxHooks:
    """Async callables the page API awaits; each returns when the bot has done it.

    ``make_coordinator(user_id)`` grants the role; ``advance_clock(seconds)`` lets that much time
    pass for the bot and runs its deadline sweeps; ``reset()`` starts over with a fresh database;
    ``remove_user(user_id)`` tells the bot a column is gone.
    """

    make_coordinator: Callable[[int], Awaitable[None]] | None = None
    advance_clock: Callable[[int], Awaitable[None]] | None = None
    reset: Callable[[], Awaitable[None]] | None = None
    remove_user: Callable[[int], Awaitable[None]] | None = None


@dataclass
class BotView:
    """What the page shows about the bot's side: each user's role and the bot's clock."""

    roles: dict[int, str] = field(default_factory=dict)
    clock_offset_seconds: int = 0
    clock_now: str = ""
    # The bot's time zone (TIMEZONE): the page shows every time in it, as the bot writes them.
    timezone: str = ""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready for the page's state."""
        return {"offset_seconds": self.clock_offset_seconds, "now": self.clock_now, "timezone": self.timezone}
