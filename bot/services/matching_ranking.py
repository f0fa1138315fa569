"""A ranking's candidates, worked out only when looked at (see :mod:`bot.services.matching`).

Ordering a thousand advisors needs their scores alone; the breakdown, the reasons and the filters
of a candidate are built when someone reads them: an offer needs the best candidate and the few
kept with it, a coordinator's screen the first handful.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any, Protocol

Reason = dict[str, Any]
# How many of the best candidates an offer keeps as the record of why it was made.
RECORDED_CANDIDATES = 20


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


class Ranked(Protocol):
    """What a ranking needs to know of an advisor itself (matching's ``Ranked``)."""

    @property
    def advisor_id(self) -> int:
        """The advisor's id."""


class Ranking:
    """Every advisor considered, best first; ``eligible`` are those an offer may go to.

    ``advisors`` come already in ranking order; ``build`` makes an advisor's candidate and
    ``passes`` tells, without building it, whether every hard filter passes.
    """

    def __init__(
        self,
        advisors: Sequence[Ranked],
        build: Callable[[Ranked], Candidate],
        passes: Callable[[Ranked], bool],
    ) -> None:
        """Keep the order; nothing is built yet."""
        self._advisors = tuple(advisors)
        self._build, self._passes = build, passes
        self._built: dict[int, Candidate] = {}

    def __len__(self) -> int:
        """How many advisors were considered."""
        return len(self._advisors)

    def _candidate(self, index: int) -> Candidate:
        """The candidate at ``index``, built once."""
        found = self._built.get(index)
        if found is None:
            found = self._built[index] = self._build(self._advisors[index])
        return found

    @cached_property
    def candidates(self) -> tuple[Candidate, ...]:
        """Every candidate, best first."""
        return tuple(self._candidate(i) for i in range(len(self._advisors)))

    @cached_property
    def eligible(self) -> tuple[Candidate, ...]:
        """The candidates that pass every hard filter, best first."""
        return tuple(self._candidate(i) for i, a in enumerate(self._advisors) if self._passes(a))

    @property
    def best(self) -> Candidate | None:
        """The best eligible candidate, or None when nobody fits."""
        for index, advisor in enumerate(self._advisors):
            if self._passes(advisor):
                return self._candidate(index)
        return None

    def to_json(self) -> list[dict[str, Any]]:
        """The whole ranking as JSON-ready dicts."""
        return [c.to_json() for c in self.candidates]

    def record(self, advisor_id: int) -> list[dict[str, Any]]:
        """What an offer to ``advisor_id`` keeps of the ranking: the best ``RECORDED_CANDIDATES``
        and that advisor's own entry (a hand offer may go further down), best first."""
        kept = list(range(min(RECORDED_CANDIDATES, len(self._advisors))))
        if all(self._advisors[i].advisor_id != advisor_id for i in kept):
            kept += [i for i, a in enumerate(self._advisors) if a.advisor_id == advisor_id][:1]
        return [self._candidate(i).to_json() for i in kept]
