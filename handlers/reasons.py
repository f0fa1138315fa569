"""Matching's reasons and exclusions (dicts with a ``code``) in words; the ranked list for coordinators.

The list says how well each advisor fits in words ("very good fit", "good fit", "limited fit"), never
the score itself: see :func:`fit` for how the words follow from the parts of the score.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.i18n import N_
from bot.services.matching import REGION_TIERS
from handlers.intake import labels
from handlers.notify import Reader

RANKING_SHOWN = 8

# German administrative words are explained the first time a screen uses them, then used alone:
# code → (with the explanation, alone). German readers see the same words both times.
_GLOSSED = {
    "same_kreis": (N_("lives in the same district (Kreis)"), N_("lives in the same Kreis")),
    "same_region": (N_("lives in the same planning region (Region)"), N_("lives in the same Region")),
    "same_regierungsbezirk": (
        N_("lives in the same administrative region (Regierungsbezirk)"),
        N_("lives in the same Regierungsbezirk"),
    ),
}
_SIMPLE = {
    "served_area": N_("serves this area"),
    "outside_area": N_("outside the area they serve"),
    "never_assigned": N_("no assignment yet"),
    "inactive": N_("inactive"),
    "not_linked": N_("not yet linked to Telegram"),
    "unreachable": N_("cannot be reached (blocked the bot)"),
}
_OFFER_STATUSES = {
    "pending": N_("offer pending"),
    "declined": N_("declined"),
    "expired": N_("did not answer in time"),
    "withdrawn": N_("offer withdrawn"),
    "accepted": N_("accepted"),
    "assigned": N_("assigned"),
    "returned": N_("gave it back"),
}

# An advisor's profile without languages or area (matching's "incomplete_profile", keyed by what is missing).
_BOTH_GAPS = frozenset({"languages", "area"})
_PROFILE_GAPS = {
    frozenset({"languages"}): N_("profile incomplete: no languages yet"),
    frozenset({"area"}): N_("profile incomplete: no area yet"),
    _BOTH_GAPS: N_("profile incomplete: no languages and no area yet"),
}


def _topic_names(r: Reader, keys: Sequence[str]) -> str:
    """The topics in the reader's language."""
    return ", ".join(r._(labels.TOPICS.get(k, k)) for k in keys)


def reason(r: Reader, item: dict[str, Any], glossed: set[str] | None = None) -> str:
    """One reason or exclusion in the reader's language (not escaped).

    A German administrative word is explained unless its code is already in ``glossed`` (the codes
    explained earlier on the same screen); the code is then added to it.
    """
    code = item.get("code", "")
    if code in _GLOSSED:
        explained, alone = _GLOSSED[code]
        if glossed is not None and code in glossed:
            return r._(alone)
        if glossed is not None:
            glossed.add(code)
        return r._(explained)
    if code in _SIMPLE:
        return r._(_SIMPLE[code])
    if code == "languages":
        covered, missing = item.get("covered", []), item.get("missing", [])
        text = r._("speaks {languages}").format(languages=r.languages(covered)) if covered else ""
        if missing:
            gap = r._("does not speak {languages}").format(languages=r.languages(missing))
            text = f"{text}, {gap}" if text else gap
        return text
    if code == "distance_km":
        return r._("{km} km from home").format(km=round(float(item.get("value", 0))))
    if code == "topics":
        matched = item.get("matched", [])
        if not matched:
            return r._("none of the topics")
        return r._("topics: {topics}").format(topics=_topic_names(r, matched))
    if code == "load":
        return r._("load {open} of {capacity}").format(open=item.get("open"), capacity=item.get("capacity"))
    if code == "at_capacity":
        return r._("at capacity ({open} of {capacity})").format(
            open=item.get("open"), capacity=item.get("capacity")
        )
    if code == "last_assigned":
        days = int(item.get("days", 0))
        if days == 0:
            return r._("last assignment today")
        return r.ngettext("last assignment {days} day ago", "last assignment {days} days ago", days).format(
            days=days
        )
    if code == "paused":
        until = item.get("until")
        return r._("paused until {date}").format(date=r.day(datetime.fromisoformat(until))) if until else ""
    if code == "incomplete_profile":
        return r._(_PROFILE_GAPS.get(frozenset(item.get("missing", [])), _PROFILE_GAPS[_BOTH_GAPS]))
    if code == "already_offered":
        status = str(item.get("status", ""))
        return r._("already asked: {status}").format(status=r._(_OFFER_STATUSES.get(status, status)))
    return str(code)


def reasons(
    r: Reader,
    items: Sequence[dict[str, Any]],
    codes: Sequence[str] | None = None,
    glossed: set[str] | None = None,
) -> str:
    """Several reasons joined with " · ", escaped; only ``codes`` when given (``glossed`` as for
    :func:`reason`, shared by the calls for one screen)."""
    chosen = [i for i in items if codes is None or i.get("code") in codes]
    return html.escape(" · ".join(text for text in (reason(r, i, glossed) for i in chosen) if text))


def assignable(candidate: dict[str, Any]) -> bool:
    """Whether a coordinator may assign this candidate by hand (past capacity and pauses, not past
    inactivity or an unreachable chat)."""
    blocking = {"inactive", "not_linked", "unreachable"}
    return not any(e.get("code") in blocking for e in candidate.get("excluded", []))


def ranking_lines(r: Reader, ranking: Sequence[dict[str, Any]], shown: int = RANKING_SHOWN) -> list[str]:
    """The ranked candidates, best first: name, how well they fit in words, the reasons and (⛔) what
    rules them out. No score is shown."""
    lines = []
    glossed: set[str] = set()
    for index, candidate in enumerate(ranking[:shown], start=1):
        name = html.escape(str(candidate.get("name", ""))[:100])
        why = reasons(r, candidate.get("reasons", []), glossed=glossed)
        line = f"{index}. <b>{name}</b> – <i>{html.escape(fit_words(r, candidate))}</i>: {why}"
        if candidate.get("excluded"):
            line += f"\n   ⛔ {reasons(r, candidate['excluded'], glossed=glossed)}"
        lines.append(line)
    if not ranking:
        lines.append(r._("No advisors are registered yet."))
    elif len(ranking) > shown:
        lines.append(r._("… and {count} more").format(count=len(ranking) - shown))
    return lines


class Fit(StrEnum):
    """How well an advisor fits a request, in three steps."""

    VERY_GOOD = "very_good"
    GOOD = "good"
    LIMITED = "limited"


_FIT_WORDS = {
    Fit.VERY_GOOD: N_("very good fit"),
    Fit.GOOD: N_("good fit"),
    Fit.LIMITED: N_("limited fit"),
}


def fit(candidate: dict[str, Any]) -> Fit:
    """How well a ranked candidate fits, read from the parts its score is made of.

    The score (:mod:`bot.services.matching`) is the language part (1000 × covered / asked; one
    missing language costs at least 125 points), the region tier (same Kreis 80, same Region 60,
    same Regierungsbezirk 40, serves the area 20, outside 0) and small parts below one tier step
    together (topics ≤ 10, distance ≤ 5, free capacity ≤ 3, time since the last assignment ≤ 1).
    The words follow the two parts that decide the order, and the topics:

    - very good fit: the full language part (every language asked is spoken, or none was asked),
      a region tier of at least the same Region (60: lives in the same Kreis or Region), and at
      least one of the topics asked (a topic part above 0; no topics asked counts as met);
    - good fit: the full language part and a region tier of at least 20 (lives in the same
      Regierungsbezirk or serves the area);
    - limited fit: a language asked is not spoken, or the request lies outside their area (tier 0).

    Capacity, distance and the time since the last assignment only order advisors within a step;
    what rules an advisor out (paused, at capacity …) is shown apart, after ⛔.
    """
    found = {item.get("code"): item for item in candidate.get("reasons", [])}
    languages = found.get("languages")
    all_languages = languages is None or not languages.get("missing")
    tier = max((REGION_TIERS[code] for code in found if code in REGION_TIERS), default=0.0)
    topics = found.get("topics")
    some_topic = topics is None or bool(topics.get("matched"))
    if not all_languages or tier < REGION_TIERS["served_area"]:
        return Fit.LIMITED
    if tier >= REGION_TIERS["same_region"] and some_topic:
        return Fit.VERY_GOOD
    return Fit.GOOD


def fit_words(r: Reader, candidate: dict[str, Any]) -> str:
    """:func:`fit` in the reader's words ("passt sehr gut"), not escaped."""
    return r._(_FIT_WORDS[fit(candidate)])


def own_reasons(r: Reader, ranking: Sequence[dict[str, Any]], advisor_id: int) -> str:
    """Why this advisor was chosen (their own entry only: nothing about colleagues)."""
    mine = next((c for c in ranking if c.get("advisor_id") == advisor_id), None)
    if mine is None:
        return ""
    wanted = ("languages", "same_kreis", "same_region", "same_regierungsbezirk", "served_area", "distance_km")
    # "Why you" names what speaks for them; the languages asked for stand in the request above it.
    spoken = [{**i, "missing": []} if i.get("code") == "languages" else i for i in mine.get("reasons", [])]
    return reasons(r, spoken, wanted)
