"""Which advisor fits a request: hard filters, then an explainable score (pure; see ``matching_data``).

The score is a weighted sum whose weights keep the design's order of importance:

- language coverage of the languages asked for: ``1000 × covered / asked``. One more covered
  language (at least 125 points with the intake's maximum of 8) outweighs everything below together.
- region: a tier from the advisor's home (same Kreis 80, same Region 60, same Regierungsbezirk 40),
  else 20 when the request lies in the area they serve, else 0; tiers are 20 apart and everything
  below adds up to less than 20, so a closer tier always wins.
- topic overlap (≤ 10), distance from the advisor's home (≤ 5, falling to 0 at 300 km), free
  capacity (≤ 3) and time since the last assignment (≤ 1, full after 90 days).

Equal scores are broken by the advisor id, so the same inputs always give the same order.
Reasons and exclusions are small dicts with a ``code`` that the handlers translate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.regions import distance_km
from bot.services.geography import Location, locate

LANGUAGE_WEIGHT = 1000.0
REGION_TIERS: dict[str, float] = {
    "same_kreis": 80.0,
    "same_region": 60.0,
    "same_regierungsbezirk": 40.0,
    "served_area": 20.0,
    "outside_area": 0.0,
}
TOPIC_WEIGHT = 10.0
DISTANCE_WEIGHT = 5.0
DISTANCE_HORIZON_KM = 300.0
LOAD_WEIGHT = 3.0
FAIRNESS_WEIGHT = 1.0
FAIRNESS_HORIZON = timedelta(days=90)
# The talks are held in German: every advisor counts as speaking it.
ASSUMED_LANGUAGES = frozenset({"de"})
# "Not sure yet" is no topic an advisor can cover.
NEUTRAL_TOPICS = frozenset({"open"})

Reason = dict[str, Any]


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


@dataclass(frozen=True)
class Candidate:
    """One advisor's place in the ranking: score, its parts, why, and what rules them out."""

    advisor_id: int
    name: str
    score: float
    breakdown: dict[str, float]
    reasons: tuple[Reason, ...]
    excluded: tuple[Reason, ...]

    @property
    def eligible(self) -> bool:
        """Whether every hard filter passed."""
        return not self.excluded

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (stored with the offer so a coordinator sees why)."""
        data = asdict(self)
        data["reasons"], data["excluded"] = list(self.reasons), list(self.excluded)
        return data


@dataclass(frozen=True)
class Ranking:
    """Every advisor considered, best first; ``eligible`` are those an offer may go to."""

    candidates: tuple[Candidate, ...]

    @property
    def eligible(self) -> tuple[Candidate, ...]:
        """The candidates that pass every hard filter, best first."""
        return tuple(c for c in self.candidates if c.eligible)

    @property
    def best(self) -> Candidate | None:
        """The best eligible candidate, or None when nobody fits."""
        return next(iter(self.eligible), None)

    def to_json(self) -> list[dict[str, Any]]:
        """The whole ranking as JSON-ready dicts."""
        return [c.to_json() for c in self.candidates]


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


def _languages(needs: RequestNeeds, advisor: AdvisorFacts) -> tuple[float, Reason | None]:
    """The language part of the score, and the reason shown for it."""
    asked = list(dict.fromkeys(needs.languages))
    if not asked:
        return 0.0, None
    spoken = set(advisor.languages) | ASSUMED_LANGUAGES
    covered = [code for code in asked if code in spoken]
    missing = [code for code in asked if code not in spoken]
    reason = {"code": "languages", "covered": covered, "missing": missing}
    return LANGUAGE_WEIGHT * len(covered) / len(asked), reason


def _region_tier(place: Location | None, home: Location | None, advisor: AdvisorFacts) -> str:
    """How close the advisor is to the request's place (same Kreis, served, neighbour, ...)."""
    if place is not None and home is not None:
        if home.kreis_ags == place.kreis_ags:
            return "same_kreis"
        if home.region_key and home.region_key == place.region_key:
            return "same_region"
        if home.regierungsbezirk_key == place.regierungsbezirk_key:
            return "same_regierungsbezirk"
    if place is not None and _serves(advisor, place):
        return "served_area"
    return "outside_area"


def _region(needs: RequestNeeds, advisor: AdvisorFacts) -> tuple[float, float, list[Reason]]:
    """The region part of the score, its distance part and the reasons."""
    place = locate(needs.place_ags) or locate(needs.kreis_ags)
    home = locate(advisor.home_ags)
    tier = _region_tier(place, home, advisor)
    reasons: list[Reason] = [{"code": tier}]
    if tier != "served_area" and place is not None and _serves(advisor, place):
        reasons.append({"code": "served_area"})
    distance_score = 0.0
    if place is not None and home is not None:
        km = distance_km(home.point, place.point)
        reasons.append({"code": "distance_km", "value": round(km, 1)})
        distance_score = DISTANCE_WEIGHT * max(0.0, 1.0 - km / DISTANCE_HORIZON_KM)
    return REGION_TIERS[tier], distance_score, reasons


def _serves(advisor: AdvisorFacts, place: Location) -> bool:
    """Whether the advisor's area covers the place."""
    return place.kreis_ags in advisor.kreise or place.regierungsbezirk_key in advisor.regierungsbezirke


def _topics(needs: RequestNeeds, advisor: AdvisorFacts) -> tuple[float, Reason | None]:
    """The topic part of the score, and the reason shown for it."""
    asked = [t for t in dict.fromkeys(needs.topics) if t not in NEUTRAL_TOPICS]
    if not asked:
        return 0.0, None
    matched = [t for t in asked if t in advisor.topics]
    reason = {"code": "topics", "matched": matched, "missing": [t for t in asked if t not in matched]}
    return TOPIC_WEIGHT * len(matched) / len(asked), reason


def _load(advisor: AdvisorFacts) -> tuple[float, Reason]:
    """The load part of the score: advisors with free capacity come first."""
    free = 1.0 - advisor.open_load / advisor.capacity if advisor.capacity > 0 else 0.0
    reason = {"code": "load", "open": advisor.open_load, "capacity": advisor.capacity}
    return LOAD_WEIGHT * max(0.0, free), reason


def _fairness(advisor: AdvisorFacts, now: datetime) -> tuple[float, Reason]:
    """The fairness part of the score: who waited longer for a request comes first."""
    if advisor.last_assigned_at is None:
        return FAIRNESS_WEIGHT, {"code": "never_assigned"}
    waited = max(timedelta(0), now - advisor.last_assigned_at)
    days = waited / timedelta(days=1)
    return FAIRNESS_WEIGHT * min(1.0, waited / FAIRNESS_HORIZON), {"code": "last_assigned", "days": int(days)}


def score(needs: RequestNeeds, advisor: AdvisorFacts, now: datetime) -> Candidate:
    """Score one advisor for one request, with the breakdown and reasons (filters not applied)."""
    language_score, language_reason = _languages(needs, advisor)
    region_score, distance_score, region_reasons = _region(needs, advisor)
    topic_score, topic_reason = _topics(needs, advisor)
    load_score, load_reason = _load(advisor)
    fairness_score, fairness_reason = _fairness(advisor, now)
    breakdown = {
        "languages": round(language_score, 3),
        "region": region_score,
        "distance": round(distance_score, 3),
        "topics": round(topic_score, 3),
        "load": round(load_score, 3),
        "fairness": round(fairness_score, 3),
    }
    reasons = [r for r in (language_reason, *region_reasons, topic_reason, load_reason, fairness_reason) if r]
    return Candidate(
        advisor_id=advisor.advisor_id,
        name=advisor.name,
        # Rounded so that equal parts summed in another order still tie exactly.
        score=round(sum(breakdown.values()), 3),
        breakdown=breakdown,
        reasons=tuple(reasons),
        excluded=exclusions(advisor, now) + _outside_declared_area(advisor, region_reasons[0]["code"]),
    )


def _outside_declared_area(advisor: AdvisorFacts, tier: str) -> tuple[Reason, ...]:
    """An advisor who named the area they serve is not offered requests beyond it and beyond their
    home's Regierungsbezirk (a coordinator may still assign them by hand)."""
    declared = bool(advisor.kreise or advisor.regierungsbezirke)
    return ({"code": "outside_area"},) if declared and tier == "outside_area" else ()


def rank(needs: RequestNeeds, advisors: Iterable[AdvisorFacts], now: datetime) -> Ranking:
    """Every advisor scored and ordered: best score first, then lowest advisor id.

    Excluded advisors stay in the list (after their filters are noted) so that a coordinator
    assigning by hand sees them too; an offer only ever goes to ``Ranking.eligible``.
    """
    scored: Sequence[Candidate] = [score(needs, advisor, now) for advisor in advisors]
    return Ranking(tuple(sorted(scored, key=lambda c: (-c.score, c.advisor_id))))
