"""The intake's questions and answers as plain data: step order, what counts as answered, choices.

A draft's ``answers`` is a JSON object with these keys (absent = not answered yet):
``place`` {kind, ags, label, kreis}, ``name``, ``role``, ``email``, ``phone`` (None = skipped),
``topics`` [keys], ``topic_other``, ``languages`` [codes], ``goals`` (None = skipped),
``windows`` [{date, part}], ``flexible``, ``format``.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

from models import IntakeStep, MeetingFormat, PlaceKind

NUMBERED_STEPS: tuple[IntakeStep, ...] = (
    IntakeStep.MUNICIPALITY,
    IntakeStep.NAME,
    IntakeStep.ROLE,
    IntakeStep.EMAIL,
    IntakeStep.PHONE,
    IntakeStep.TOPICS,
    IntakeStep.LANGUAGES,
    IntakeStep.GOALS,
    IntakeStep.TIMES,
    IntakeStep.FORMAT,
)
TOTAL_STEPS = len(NUMBERED_STEPS)
ORDER: tuple[IntakeStep, ...] = (*NUMBERED_STEPS, IntakeStep.SUMMARY)

# The examples the programme's pages give (facts/miglobe.md), plus "not sure yet".
TOPICS: tuple[str, ...] = ("festival", "partnership", "agenda2030", "fairtrade", "networks", "flight", "open")
DAY_PARTS: tuple[str, ...] = ("am", "pm", "day")
FORMATS: tuple[str, ...] = tuple(f.value for f in MeetingFormat)
MAX_WINDOWS = 3
# Dates can be picked from tomorrow up to this many days ahead.
WINDOW_HORIZON_DAYS = 180
Answers = dict[str, Any]


def step_number(step: IntakeStep) -> int | None:
    """1-based position of a numbered step; None for the summary."""
    return NUMBERED_STEPS.index(step) + 1 if step in NUMBERED_STEPS else None


def next_step(step: IntakeStep) -> IntakeStep:
    """The step after ``step`` (the summary stays the summary)."""
    index = ORDER.index(step)
    return ORDER[min(index + 1, len(ORDER) - 1)]


def previous_step(step: IntakeStep) -> IntakeStep | None:
    """The step before ``step``; None at the first question."""
    index = ORDER.index(step)
    return ORDER[index - 1] if index > 0 else None


def is_answered(answers: Answers, step: IntakeStep) -> bool:
    """Whether ``step`` has an answer the request can use."""
    match step:
        case IntakeStep.MUNICIPALITY:
            return bool(answers.get("place"))
        case IntakeStep.NAME | IntakeStep.ROLE | IntakeStep.EMAIL | IntakeStep.FORMAT:
            key = "format" if step is IntakeStep.FORMAT else step.value
            return bool(answers.get(key))
        case IntakeStep.PHONE | IntakeStep.GOALS:
            return step.value in answers  # None means deliberately skipped
        case IntakeStep.TOPICS:
            return bool(answers.get("topics") or answers.get("topic_other"))
        case IntakeStep.LANGUAGES:
            return bool(answers.get("languages"))
        case IntakeStep.TIMES:
            return bool(answers.get("windows") or answers.get("flexible"))
    return True


def first_unanswered(answers: Answers) -> IntakeStep | None:
    """The first question without an answer, or None when the request is complete."""
    return next((step for step in NUMBERED_STEPS if not is_answered(answers, step)), None)


def copied(answers: Answers) -> Answers:
    """A deep copy to change (a JSON column only notices a new value)."""
    return copy.deepcopy(answers)


def place_answer(kind: PlaceKind, ags: str, label: str, kreis_ags: str) -> dict[str, str]:
    """The stored form of the chosen Gemeinde or Landkreis."""
    return {"kind": kind.value, "ags": ags, "label": label, "kreis": kreis_ags}


def with_selection(values: list[str], value: str, selected: bool) -> list[str]:
    """``values`` with ``value`` in or out; adding twice or removing twice changes nothing."""
    if selected:
        return values if value in values else [*values, value]
    return [v for v in values if v != value]


def window_problem(day: date, part: str, today: date) -> str | None:
    """Why this window cannot be chosen: "past", "far" or "part"; None when it can."""
    if part not in DAY_PARTS:
        return "part"
    if day <= today:
        return "past"
    if day > today + timedelta(days=WINDOW_HORIZON_DAYS):
        return "far"
    return None


def windows_of(answers: Answers) -> list[tuple[date, str]]:
    """The chosen windows as (date, part), in date order."""
    windows = [(date.fromisoformat(w["date"]), w["part"]) for w in answers.get("windows", [])]
    return sorted(windows, key=lambda w: (w[0], DAY_PARTS.index(w[1]) if w[1] in DAY_PARTS else 9))


def set_windows(answers: Answers, windows: list[tuple[date, str]]) -> None:
    """Store ``windows`` (sorted, without duplicates) in ``answers``."""
    unique = sorted(set(windows), key=lambda w: (w[0], DAY_PARTS.index(w[1])))
    answers["windows"] = [{"date": d.isoformat(), "part": p} for d, p in unique]


def drop_past_windows(answers: Answers, today: date) -> bool:
    """Remove windows that are no longer in the future; True if any were removed."""
    windows = windows_of(answers)
    kept = [w for w in windows if w[0] > today]
    if len(kept) == len(windows):
        return False
    set_windows(answers, kept)
    return True


def request_fields(answers: Answers) -> dict[str, Any]:
    """The columns of a :class:`~models.KickoffRequest` from complete ``answers``."""
    place = answers["place"]
    return {
        "place_kind": place["kind"],
        "place_ags": place["ags"],
        "place_name": place["label"],
        "kreis_ags": place["kreis"],
        "contact_name": answers["name"],
        "contact_role": answers["role"],
        "email": answers["email"],
        "phone": answers.get("phone"),
        "topics": [t for t in TOPICS if t in answers.get("topics", [])],
        "topic_other": answers.get("topic_other"),
        "languages": list(answers["languages"]),
        "goals": answers.get("goals"),
        "time_windows": [] if answers.get("flexible") else list(answers.get("windows", [])),
        "flexible": bool(answers.get("flexible")),
        "meeting_format": answers["format"],
    }
