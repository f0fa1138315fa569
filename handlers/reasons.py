"""Matching's reasons and exclusions (dicts with a ``code``) in words; the ranked list for coordinators."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.i18n import N_
from handlers.intake import labels
from handlers.notify import Reader

RANKING_SHOWN = 8

_SIMPLE = {
    "same_kreis": N_("lives in the same Kreis"),
    "same_region": N_("lives in the same Region"),
    "same_regierungsbezirk": N_("lives in the same Regierungsbezirk"),
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
}


def _topic_names(r: Reader, keys: Sequence[str]) -> str:
    return ", ".join(r._(labels.TOPICS.get(k, k)) for k in keys)


def reason(r: Reader, item: dict[str, Any]) -> str:
    """One reason or exclusion in the reader's language (not escaped)."""
    code = item.get("code", "")
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
    if code == "already_offered":
        status = str(item.get("status", ""))
        return r._("already asked: {status}").format(status=r._(_OFFER_STATUSES.get(status, status)))
    return str(code)


def reasons(r: Reader, items: Sequence[dict[str, Any]], codes: Sequence[str] | None = None) -> str:
    """Several reasons joined with " · ", escaped; only ``codes`` when given."""
    chosen = [i for i in items if codes is None or i.get("code") in codes]
    return html.escape(" · ".join(text for text in (reason(r, i) for i in chosen) if text))


def assignable(candidate: dict[str, Any]) -> bool:
    """Whether a coordinator may assign this candidate by hand (past capacity and pauses, not past
    inactivity or an unreachable chat)."""
    blocking = {"inactive", "not_linked", "unreachable"}
    return not any(e.get("code") in blocking for e in candidate.get("excluded", []))


def ranking_lines(r: Reader, ranking: Sequence[dict[str, Any]], shown: int = RANKING_SHOWN) -> list[str]:
    """The ranked candidates, best first: name, score, reasons and (⛔) what rules them out."""
    lines = []
    for index, candidate in enumerate(ranking[:shown], start=1):
        name = html.escape(str(candidate.get("name", ""))[:100])
        line = (
            f"{index}. <b>{name}</b> ({candidate.get('score', 0):.0f}) – {reasons(r, candidate['reasons'])}"
        )
        if candidate.get("excluded"):
            line += f"\n   ⛔ {reasons(r, candidate['excluded'])}"
        lines.append(line)
    if not ranking:
        lines.append(r._("No advisors are registered yet."))
    elif len(ranking) > shown:
        lines.append(r._("… and {count} more").format(count=len(ranking) - shown))
    return lines


def own_reasons(r: Reader, ranking: Sequence[dict[str, Any]], advisor_id: int) -> str:
    """Why this advisor was chosen (their own entry only: nothing about colleagues)."""
    mine = next((c for c in ranking if c.get("advisor_id") == advisor_id), None)
    if mine is None:
        return ""
    wanted = ("languages", "same_kreis", "same_region", "same_regierungsbezirk", "served_area", "distance_km")
    return reasons(r, mine.get("reasons", []), wanted)
