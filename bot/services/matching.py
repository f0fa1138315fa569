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
from functools import lru_cache
from typing import Any

from bot.services.geography import Location, locate
from bot.services.matching_region import placement

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
_NO_TIME, _DAY = timedelta(0), timedelta(days=1)

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


@dataclass(frozen=True, slots=True)
class _Asked:
    """The request's side of every comparison, worked out once per ranking instead of per advisor.

    ``language_scores[n]`` is the (rounded) language part when ``n`` asked languages are covered,
    ``topic_scores[n]`` the topic part when ``n`` asked topics are matched.
    """

    languages: tuple[str, ...]  # as asked, each once
    topics: tuple[str, ...]  # as asked, each once, without "not sure yet"
    place: Location | None
    language_scores: tuple[float, ...]
    topic_scores: tuple[float, ...]


def _asked(needs: RequestNeeds) -> _Asked:
    """What each advisor is compared against for ``needs``."""
    languages = tuple(dict.fromkeys(needs.languages))
    topics = tuple(t for t in dict.fromkeys(needs.topics) if t not in NEUTRAL_TOPICS)
    return _Asked(
        languages=languages,
        topics=topics,
        place=locate(needs.place_ags) or locate(needs.kreis_ags),
        language_scores=_part_scores(LANGUAGE_WEIGHT, len(languages)),
        topic_scores=_part_scores(TOPIC_WEIGHT, len(topics)),
    )


def _part_scores(weight: float, asked: int) -> tuple[float, ...]:
    """A part's rounded score for 0 … ``asked`` of ``asked`` items found (worked out once per ranking:
    round() is among the costliest steps per advisor)."""
    return tuple(round(weight * found / asked, 3) for found in range(asked + 1)) if asked else (0.0,)


def _languages(asked: _Asked, advisor: AdvisorFacts, reasons: list[Reason]) -> float:
    """The language part of the score (rounded); adds its reason to ``reasons``."""
    if not asked.languages:
        return 0.0
    spoken = advisor.languages
    covered = [code for code in asked.languages if code in spoken or code in ASSUMED_LANGUAGES]
    missing = [code for code in asked.languages if code not in covered]
    reasons.append({"code": "languages", "covered": covered, "missing": missing})
    return asked.language_scores[len(covered)]


def _topics(asked: _Asked, advisor: AdvisorFacts, reasons: list[Reason]) -> float:
    """The topic part of the score (rounded); adds its reason to ``reasons``."""
    if not asked.topics:
        return 0.0
    matched = [t for t in asked.topics if t in advisor.topics]
    reasons.append(
        {"code": "topics", "matched": matched, "missing": [t for t in asked.topics if t not in matched]}
    )
    return asked.topic_scores[len(matched)]


# A pure function of two small numbers that advisors share: cached to spare round() per advisor.
@lru_cache(maxsize=1024)
def _load_part(open_load: int, capacity: int) -> float:
    """The load part of the score (rounded): advisors with free capacity come first."""
    free = 1.0 - open_load / capacity if capacity > 0 else 0.0
    return round(LOAD_WEIGHT * max(0.0, free), 3)


def _region(place: Location | None, advisor: AdvisorFacts, reasons: list[Reason]) -> tuple[str, float]:
    """The region tier and the distance part of the score (rounded); adds their reasons to ``reasons``."""
    tier, serves, km = placement(place, advisor.home_ags, advisor.kreise, advisor.regierungsbezirke)
    reasons.append({"code": tier})
    if serves and tier != "served_area":
        reasons.append({"code": "served_area"})
    if km is None:
        return tier, 0.0
    reasons.append({"code": "distance_km", "value": round(km, 1)})
    return tier, round(DISTANCE_WEIGHT * max(0.0, 1.0 - km / DISTANCE_HORIZON_KM), 3)


def _fairness(advisor: AdvisorFacts, now: datetime, reasons: list[Reason]) -> float:
    """The fairness part of the score (rounded): who waited longer for a request comes first."""
    if advisor.last_assigned_at is None:
        reasons.append({"code": "never_assigned"})
        return round(FAIRNESS_WEIGHT, 3)
    waited = max(_NO_TIME, now - advisor.last_assigned_at)
    reasons.append({"code": "last_assigned", "days": int(waited / _DAY)})
    if waited >= FAIRNESS_HORIZON:  # the full part, as min() below gives, without dividing and rounding
        return round(FAIRNESS_WEIGHT, 3)
    return round(FAIRNESS_WEIGHT * min(1.0, waited / FAIRNESS_HORIZON), 3)


def score(needs: RequestNeeds, advisor: AdvisorFacts, now: datetime) -> Candidate:
    """Score one advisor for one request, with the breakdown and reasons (filters not applied)."""
    return _score(_asked(needs), advisor, now)


def _score(asked: _Asked, advisor: AdvisorFacts, now: datetime) -> Candidate:
    """:func:`score` with the request's side already worked out (``rank`` does that once)."""
    reasons: list[Reason] = []
    language_score = _languages(asked, advisor, reasons)
    tier, distance_score = _region(asked.place, advisor, reasons)
    topic_score = _topics(asked, advisor, reasons)
    reasons.append({"code": "load", "open": advisor.open_load, "capacity": advisor.capacity})
    load_score = _load_part(advisor.open_load, advisor.capacity)
    fairness_score = _fairness(advisor, now, reasons)
    breakdown = {
        "languages": language_score,
        "region": REGION_TIERS[tier],
        "distance": distance_score,
        "topics": topic_score,
        "load": load_score,
        "fairness": fairness_score,
    }
    excluded = exclusions(advisor, now)
    # Someone who named the area they serve is not offered requests beyond it and beyond their
    # home's Regierungsbezirk (a coordinator may still assign them by hand).
    if tier == "outside_area" and (advisor.kreise or advisor.regierungsbezirke):
        excluded += ({"code": "outside_area"},)
    return Candidate(
        advisor_id=advisor.advisor_id,
        name=advisor.name,
        # Rounded so that equal parts summed in another order still tie exactly.
        score=round(sum(breakdown.values()), 3),
        breakdown=breakdown,
        reasons=tuple(reasons),
        excluded=excluded,
    )


def rank(needs: RequestNeeds, advisors: Iterable[AdvisorFacts], now: datetime) -> Ranking:
    """Every advisor scored and ordered: best score first, then lowest advisor id.

    Excluded advisors stay in the list (after their filters are noted) so that a coordinator
    assigning by hand sees them too; an offer only ever goes to ``Ranking.eligible``.
    """
    asked = _asked(needs)
    scored: Sequence[Candidate] = [_score(asked, advisor, now) for advisor in advisors]
    return Ranking(tuple(sorted(scored, key=lambda c: (-c.score, c.advisor_id))))
