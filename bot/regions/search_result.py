"""What a place search returns: ranked candidates and whether the caller must ask which one is meant."""

from __future__ import annotations

from dataclasses import dataclass

from bot.regions.registry import Gemeinde, Kreis

Place = Gemeinde | Kreis

# Scores (0-100). Fuzzy scores are capped below the short-form score so that a typo never
# outranks a place whose name or short form was written exactly.
SCORE_EXACT = 100.0
SCORE_SHORT_FORM = 95.0
FUZZY_CAP = 94.0
# A Landkreis named like a town ("Tübingen") is offered after the town, never instead of it.
KREIS_PENALTY = 10.0
SCORE_PREFIX = 80.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """One possible meaning of a query.

    ``exact``: the query is the place's name, AGS or postcode (apart from case, umlauts etc.).
    ``confident``: the match alone is good enough to act on (exact, short form or a small typo).
    """

    place: Place
    score: float
    exact: bool
    confident: bool

    @property
    def label(self) -> str:
        """What to show the user, unique across BW: "Talheim, Landkreis Tuttlingen"."""
        return self.place.label


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Ranked candidates for a query and whether the caller must ask which one is meant.

    Typical use: ``match`` set → go on with it; ``ambiguous`` → ask among ``choices``;
    otherwise nothing confident → the place is probably outside Baden-Württemberg (the
    low-scoring ``candidates`` can still be offered as "did you mean").
    """

    query: str
    candidates: tuple[Candidate, ...]
    choices: tuple[Candidate, ...]
    ambiguous: bool

    @property
    def best(self) -> Candidate | None:
        """The top-ranked candidate, confident or not."""
        return self.candidates[0] if self.candidates else None

    @property
    def confident(self) -> bool:
        """True when the top candidate is a confident match (it may still be ambiguous)."""
        return bool(self.candidates) and self.candidates[0].confident

    @property
    def match(self) -> Place | None:
        """The one place meant, when that is clear (confident and not ambiguous)."""
        if self.confident and not self.ambiguous:
            return self.candidates[0].place
        return None
