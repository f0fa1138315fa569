"""What the broadcast calls answer: the outcome with the broadcast, and the audience preview.

The calls themselves are in :mod:`bot.services.broadcasts`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from models import Broadcast


class BroadcastOutcome(enum.StrEnum):
    """What a call did; everything but ``DONE`` changed nothing."""

    DONE = "done"
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    INVALID = "invalid"  # see result.errors: "text", "media", "audience", or a filter kind
    NOT_POSSIBLE = "not_possible"  # the broadcast's status does not allow it


@dataclass(frozen=True)
class BroadcastResult:
    """The broadcast after the call; ``count`` is how many recipients the call touched."""

    kind: BroadcastOutcome
    broadcast: Broadcast | None = None
    errors: tuple[str, ...] = ()
    count: int = 0


@dataclass(frozen=True)
class AudiencePreview:
    """How many people a broadcast would reach now (advisors and contacts may overlap)."""

    total: int
    advisors: int
    contacts: int
