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

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache, partial

from bot.services.geography import Location, locate
from bot.services.matching_facts import AdvisorFacts, RequestNeeds, exclusions
from bot.services.matching_ranking import Candidate, Ranking, Reason
from bot.services.matching_region import placement

__all__ = ["AdvisorFacts", "Candidate", "Ranking", "RequestNeeds", "exclusions", "rank", "score"]

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
# An advisor's home and the area they named, as the region part of their score depends on them.
_Area = tuple[str | None, tuple[str, ...], tuple[str, ...]]


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


def _covered(asked: _Asked, advisor: AdvisorFacts) -> list[str]:
    """The asked languages the advisor speaks (German counts as spoken by all)."""
    spoken = advisor.languages
    return [code for code in asked.languages if code in spoken or code in ASSUMED_LANGUAGES]


def _matched(asked: _Asked, advisor: AdvisorFacts) -> list[str]:
    """The asked topics the advisor covers."""
    offered = advisor.topics
    return [topic for topic in asked.topics if topic in offered]


def _languages(asked: _Asked, advisor: AdvisorFacts, reasons: list[Reason]) -> float:
    """The language part of the score (rounded); adds its reason to ``reasons``."""
    if not asked.languages:
        return 0.0
    covered = _covered(asked, advisor)
    missing = [code for code in asked.languages if code not in covered]
    reasons.append({"code": "languages", "covered": covered, "missing": missing})
    return asked.language_scores[len(covered)]


def _topics(asked: _Asked, advisor: AdvisorFacts, reasons: list[Reason]) -> float:
    """The topic part of the score (rounded); adds its reason to ``reasons``."""
    if not asked.topics:
        return 0.0
    matched = _matched(asked, advisor)
    missing = [t for t in asked.topics if t not in matched]
    reasons.append({"code": "topics", "matched": matched, "missing": missing})
    return asked.topic_scores[len(matched)]


# A pure function of two small numbers that advisors share: cached to spare round() per advisor.
@lru_cache(maxsize=1024)
def _load_part(open_load: int, capacity: int) -> float:
    """The load part of the score (rounded): advisors with free capacity come first."""
    free = 1.0 - open_load / capacity if capacity > 0 else 0.0
    return round(LOAD_WEIGHT * max(0.0, free), 3)


# Pure, and the same few places and homes recur across matches: cached to spare the trigonometry.
@lru_cache(maxsize=16384)
def _placed(
    place: Location | None, home_ags: str | None, kreise: tuple[str, ...], districts: tuple[str, ...]
) -> tuple[str, bool, float | None, float]:
    """:func:`placement` and the rounded distance part of the score."""
    tier, serves, km = placement(place, home_ags, kreise, districts)
    part = 0.0 if km is None else round(DISTANCE_WEIGHT * max(0.0, 1.0 - km / DISTANCE_HORIZON_KM), 3)
    return tier, serves, km, part


def _region(place: Location | None, advisor: AdvisorFacts, reasons: list[Reason]) -> tuple[str, float]:
    """The region tier and the distance part of the score (rounded); adds their reasons to ``reasons``."""
    tier, serves, km, part = _placed(place, advisor.home_ags, advisor.kreise, advisor.regierungsbezirke)
    reasons.append({"code": tier})
    if serves and tier != "served_area":
        reasons.append({"code": "served_area"})
    if km is not None:
        reasons.append({"code": "distance_km", "value": round(km, 1)})
    return tier, part


def _fairness(advisor: AdvisorFacts, now: datetime, reasons: list[Reason] | None) -> float:
    """The fairness part of the score (rounded): who waited longer for a request comes first."""
    if advisor.last_assigned_at is None:
        if reasons is not None:
            reasons.append({"code": "never_assigned"})
        return round(FAIRNESS_WEIGHT, 3)
    waited = max(_NO_TIME, now - advisor.last_assigned_at)
    if reasons is not None:
        reasons.append({"code": "last_assigned", "days": int(waited / _DAY)})
    if waited >= FAIRNESS_HORIZON:  # the full part, as min() below gives, without dividing and rounding
        return round(FAIRNESS_WEIGHT, 3)
    return round(FAIRNESS_WEIGHT * min(1.0, waited / FAIRNESS_HORIZON), 3)


def _breakdown(
    asked: _Asked, advisor: AdvisorFacts, now: datetime, reasons: list[Reason]
) -> tuple[str, dict[str, float]]:
    """The region tier and the parts of the score; adds why to ``reasons``, in the order shown."""
    language_score = _languages(asked, advisor, reasons)
    tier, distance_score = _region(asked.place, advisor, reasons)
    topic_score = _topics(asked, advisor, reasons)
    reasons.append({"code": "load", "open": advisor.open_load, "capacity": advisor.capacity})
    return tier, {
        "languages": language_score,
        "region": REGION_TIERS[tier],
        "distance": distance_score,
        "topics": topic_score,
        "load": _load_part(advisor.open_load, advisor.capacity),
        "fairness": _fairness(advisor, now, reasons),
    }


def _total(breakdown: dict[str, float]) -> float:
    """The score: the parts' sum, rounded so that equal parts summed in another order still tie exactly."""
    return round(sum(breakdown.values()), 3)


def _excluded(advisor: AdvisorFacts, tier: str, now: datetime) -> tuple[Reason, ...]:
    """Every hard filter the advisor fails for this request (empty when an offer may go to them)."""
    excluded = exclusions(advisor, now)
    # Someone who named the area they serve is not offered requests beyond it and beyond their
    # home's Regierungsbezirk (a coordinator may still assign them by hand).
    if tier == "outside_area" and (advisor.kreise or advisor.regierungsbezirke):
        excluded += ({"code": "outside_area"},)
    return excluded


def score(needs: RequestNeeds, advisor: AdvisorFacts, now: datetime) -> Candidate:
    """Score one advisor for one request, with the breakdown and reasons (filters not applied)."""
    return _score(_asked(needs), advisor, now)


def _score(asked: _Asked, advisor: AdvisorFacts, now: datetime) -> Candidate:
    """:func:`score` with the request's side already worked out (``rank`` does that once)."""
    reasons: list[Reason] = []
    tier, breakdown = _breakdown(asked, advisor, now, reasons)
    return Candidate(
        advisor_id=advisor.advisor_id,
        name=advisor.name,
        score=_total(breakdown),
        breakdown=breakdown,
        reasons=tuple(reasons),
        excluded=_excluded(advisor, tier, now),
    )


def rank(needs: RequestNeeds, advisors: Iterable[AdvisorFacts], now: datetime) -> Ranking:
    """Every advisor scored and ordered: best score first, then lowest advisor id.

    Excluded advisors stay in the list (after their filters are noted) so that a coordinator
    assigning by hand sees them too; an offer only ever goes to ``Ranking.eligible``.
    """
    asked = _asked(needs)
    # The order needs the scores alone; reasons are worked out for the candidates looked at.
    placed: dict[_Area, tuple[float, float]] = {}
    scored = [(-_order_score(asked, a, now, placed), a.advisor_id, a) for a in advisors]
    scored.sort(key=lambda entry: entry[:2])
    return Ranking(
        [entry[2] for entry in scored], partial(_score, asked, now=now), partial(_passes, asked, now=now)
    )


def _order_score(
    asked: _Asked,
    advisor: AdvisorFacts,
    now: datetime,
    placed: dict[_Area, tuple[float, float]],
) -> float:
    """``_total(_breakdown(...))`` to the last bit, without the breakdown's dict: a ranking scores
    every advisor, and ``placed`` keeps the region parts of the homes and areas already seen in it
    (many advisors share a Gemeinde; the request's place is the same for all of them)."""
    area = (advisor.home_ags, advisor.kreise, advisor.regierungsbezirke)
    region = placed.get(area)
    if region is None:
        tier, _, _, distance = _placed(asked.place, *area)
        region = placed[area] = (REGION_TIERS[tier], distance)
    # Nothing asked: the part scores are (0.0,), as the breakdown gives.
    languages = asked.language_scores[len(_covered(asked, advisor))]
    topics = asked.topic_scores[len(_matched(asked, advisor))]
    load = _load_part(advisor.open_load, advisor.capacity)
    # The breakdown's additions in its order, so that equal parts tie exactly.
    return round(languages + region[0] + region[1] + topics + load + _fairness(advisor, now, None), 3)


def _passes(asked: _Asked, advisor: AdvisorFacts, now: datetime) -> bool:
    """Whether an offer of the request may go to the advisor (every hard filter passes)."""
    tier = _placed(asked.place, advisor.home_ags, advisor.kreise, advisor.regierungsbezirke)[0]
    return not _excluded(advisor, tier, now)
