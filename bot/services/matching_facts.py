"""What matching knows of a request and of an advisor, and the hard filters an offer must pass.

:mod:`bot.services.matching` scores and orders advisors from these facts; ``matching_data`` loads
them from the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.matching_ranking import Reason


@dataclass(frozen=True)
class RequestNeeds:
    """What the request asks for, as matching sees it."""

    place_ags: str
    kreis_ags: str
    languages: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class AdvisorFacts:
    """One advisor's profile and current state, as matching sees it.

    ``open_load`` counts requests they hold (accepted, not yet closed) plus offers awaiting their
    answer. ``offered_before`` is the status of an earlier offer of this very request, if any.
    ``profile_gaps`` names what the profile still lacks before offers may go to them ("languages",
    "area"; see :func:`bot.services.advisors.profile_gaps`).
    """

    advisor_id: int
    name: str = ""
    languages: tuple[str, ...] = ()
    kreise: tuple[str, ...] = ()
    regierungsbezirke: tuple[str, ...] = ()
    home_ags: str | None = None
    topics: tuple[str, ...] = ()
    capacity: int = 2
    open_load: int = 0
    active: bool = True
    linked: bool = True
    reachable: bool = True
    paused_until: datetime | None = None
    last_assigned_at: datetime | None = None
    offered_before: str | None = None
    profile_gaps: tuple[str, ...] = ()


def exclusions(advisor: AdvisorFacts, now: datetime) -> tuple[Reason, ...]:
    """The hard filters ``advisor`` fails (empty when an offer may go to them)."""
    found: list[Reason] = []
    if not advisor.active:
        found.append({"code": "inactive"})
    if not advisor.linked:
        found.append({"code": "not_linked"})
    elif not advisor.reachable:
        found.append({"code": "unreachable"})
    if advisor.profile_gaps:
        found.append({"code": "incomplete_profile", "missing": list(advisor.profile_gaps)})
    if advisor.paused_until is not None and advisor.paused_until > now:
        found.append({"code": "paused", "until": advisor.paused_until.isoformat()})
    if advisor.open_load >= advisor.capacity:
        found.append({"code": "at_capacity", "open": advisor.open_load, "capacity": advisor.capacity})
    if advisor.offered_before is not None:
        found.append({"code": "already_offered", "status": advisor.offered_before})
    return tuple(found)
