"""Find the Gemeinde or Landkreis a person means from free text ("Stuttgrat", "LK Ludwigsburg", "72070").

Matching runs on normalised keys (``text``) built per place (``name_keys``). Lookup order: exact
key, then typo-tolerant rapidfuzz (OSA edit distance, so a swapped pair of letters is one typo),
then word prefix for suggestions. When no key is met exactly, the query is read as clerks write
names ("Esslingen a.N.", "VS-Villingen", see ``written_forms``), and last the place before a
trailing river or landscape is looked up ("Mühlacker a. d. Enz").
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from enum import Enum
from functools import cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.regions.name_index import NameIndex
from bot.regions.name_keys import (
    GEMEINDE_PREFIXES,
    KREIS_PREFIXES,
    OUTSIDE_BW,
    KeyKind,
    strip_prefix,
    typo_tolerance,
    without_fillers,
)
from bot.regions.registry import Gemeinde, Kreis, RegionRegistry, get_registry
from bot.regions.search_codes import by_code
from bot.regions.search_result import (
    FUZZY_CAP,
    KREIS_PENALTY,
    SCORE_EXACT,
    SCORE_PREFIX,
    SCORE_SHORT_FORM,
    Candidate,
    Place,
    SearchResult,
)
from bot.regions.text import UMLAUTS_AE, UMLAUTS_PLAIN, Word, normalize, variants, words
from bot.regions.written_forms import WrittenForms, align, heads

__all__ = ["SCORE_EXACT", "SCORE_SHORT_FORM", "Candidate", "SearchResult", "normalize", "search"]

_FUZZY_CUTOFF = 0.6
_FUZZY_LIMIT = 12
_LEADING_PLZ = re.compile(r"(\d{5})\s+(\D.*)")


class _Mode(Enum):
    ANY = "any"
    GEMEINDE = "gemeinde"
    KREIS = "kreis"


def _population(place: Place) -> int:
    return place.population if isinstance(place, Gemeinde) else 0


@dataclass(slots=True)
class _Hit:
    """One candidate place for a query, with how well it matched."""

    place: Place
    score: float
    exact: bool
    confident: bool
    distance: int  # edit distance of the matched key; 0 for exact keys
    askable: bool  # may be one of the choices the caller asks about

    def rank(self) -> tuple[float, bool, int]:
        """Sort key: better score first, then Gemeinden, then larger ones."""
        return (self.score, isinstance(self.place, Gemeinde), _population(self.place))


@dataclass(frozen=True, slots=True)
class _Query:
    """The name part of a query: its key, and its words in both umlaut foldings."""

    key: str
    words: tuple[tuple[Word, ...], ...]


class SearchIndex:
    """Looks queries up in the name keys of all Gemeinden and Landkreise, built once per registry."""

    def __init__(self, registry: RegionRegistry) -> None:
        self._registry = registry
        self._names = NameIndex(registry)
        self._keys = self._names.keys
        self._written = WrittenForms(self._keys, self._names.initials)

    def search(self, query: str, limit: int = 5) -> SearchResult:
        """Rank Gemeinden and Landkreise for ``query``; see :func:`search`."""
        text = query.strip()
        compact = "".join(text.split())
        if compact.isdigit():
            return by_code(self._registry, query, compact)
        leading_plz = _LEADING_PLZ.fullmatch(text)
        if leading_plz:
            # "72070 Tübingen": the name decides; the postcode is the fallback.
            by_name = replace(self.search(leading_plz.group(2), limit), query=query)
            if by_name.confident:
                return by_name
            by_postcode = by_code(self._registry, query, leading_plz.group(1))
            return by_postcode if by_postcode.candidates else by_name
        normalised = normalize(text)
        if not normalised:
            return SearchResult(query, (), (), False)
        spelled = (words(text, UMLAUTS_AE), words(text, UMLAUTS_PLAIN))
        kreis_name = strip_prefix(normalised, KREIS_PREFIXES)
        if kreis_name is not None:
            result = self._match(query, _query(kreis_name, spelled), _Mode.KREIS, limit)
            if result.confident:
                return result
        gemeinde_name = strip_prefix(normalised, GEMEINDE_PREFIXES)
        if gemeinde_name is not None:
            return self._match(query, _query(gemeinde_name, spelled), _Mode.GEMEINDE, limit)
        return self._match(query, _query(normalised, spelled), _Mode.ANY, limit)

    def _match(self, query: str, name: _Query, mode: _Mode, limit: int) -> SearchResult:
        """Match the whole query, else the query without a trailing word."""
        found = self._match_whole(query, name, mode, limit)
        if found.confident:
            return found
        for before_tail in heads(name.words[0]):
            shorter = _without_tail(self._match_whole(query, _query_of(before_tail), mode, limit))
            if shorter.confident:
                return shorter
        return found

    def _match_whole(self, query: str, name: _Query, mode: _Mode, limit: int) -> SearchResult:
        """Match the query's name as typed: exact keys first, then near spellings."""
        query_keys = list(variants(name.key))
        fillers_dropped = without_fillers(name.key)
        if fillers_dropped and fillers_dropped != name.key:
            query_keys.append(fillers_dropped)
        hits: dict[str, _Hit] = {}
        for query_key in query_keys:
            self._collect_exact(query_key, mode, hits)
            self._collect_fuzzy(query_key, mode, hits)
            self._collect_prefix(query_key, mode, hits)
        if not any(hit.distance == 0 and hit.askable for hit in hits.values()):
            # "Ludwigshafen a. Rh." reads as the BW short form "ludwigshafen": outside BW as well.
            query_keys += self._collect_written(name.words, mode, hits)
        if not OUTSIDE_BW.isdisjoint(query_keys):
            for hit in hits.values():
                if not hit.exact:
                    hit.confident = hit.askable = False
        ranked = sorted(hits.values(), key=_Hit.rank, reverse=True)
        exact_askable = [h for h in ranked if h.askable and h.distance == 0]
        if exact_askable:
            group = exact_askable
        else:
            fuzzy = [h for h in ranked if h.askable and h.confident]
            closest = min((h.distance for h in fuzzy), default=0)
            group = [h for h in fuzzy if h.distance == closest]
        choices = tuple(_candidate(h) for h in group)
        candidates = tuple(_candidate(h) for h in ranked[: max(limit, len(choices))])
        return SearchResult(query, candidates, choices, len(choices) > 1)

    def _owners_for(self, key: str, mode: _Mode) -> list[tuple[Place, KeyKind]]:
        owners = self._names.owners(key)
        if mode is _Mode.GEMEINDE:
            return [o for o in owners if isinstance(o[0], Gemeinde)]
        if mode is _Mode.KREIS:
            return [o for o in owners if isinstance(o[0], Kreis)]
        return owners

    def _demoted(self, place: Place, key: str, mode: _Mode) -> bool:
        # Without "Landkreis"/"Kreis" in front, "Tübingen" means the town, not the Landkreis.
        return mode is _Mode.ANY and isinstance(place, Kreis) and key in self._names.gemeinde_keys

    def _collect_exact(self, query_key: str, mode: _Mode, hits: dict[str, _Hit]) -> None:
        for place, kind in self._owners_for(query_key, mode):
            score = SCORE_SHORT_FORM if kind is KeyKind.SHORT else SCORE_EXACT
            demoted = self._demoted(place, query_key, mode)
            if demoted:
                score -= KREIS_PENALTY
            hit = _Hit(place, score, kind is not KeyKind.SHORT, True, 0, not demoted)
            _keep_better(hits, hit)

    def _collect_fuzzy(self, query_key: str, mode: _Mode, hits: dict[str, _Hit]) -> None:
        matches = process.extract(
            query_key,
            self._keys,
            scorer=OSA.normalized_similarity,
            limit=_FUZZY_LIMIT,
            score_cutoff=_FUZZY_CUTOFF,
        )
        for key, similarity, _ in matches:
            if key == query_key:
                continue  # already counted as exact
            distance = OSA.distance(query_key, key)
            confident = distance <= typo_tolerance(len(key)) and _typos_spread(query_key, key, distance)
            for place, _kind in self._owners_for(key, mode):
                demoted = self._demoted(place, key, mode)
                score = min(FUZZY_CAP, similarity * 100) - (KREIS_PENALTY if demoted else 0)
                hit = _Hit(place, score, False, confident, distance, confident and not demoted)
                _keep_better(hits, hit)

    def _collect_prefix(self, query_key: str, mode: _Mode, hits: dict[str, _Hit]) -> None:
        # "Schwäbisch" → Schwäbisch Gmünd, Schwäbisch Hall: suggestions, never confident.
        if len(query_key) < 4:
            return
        start = bisect.bisect_right(self._keys, query_key)
        for key in self._keys[start : start + 50]:
            if not key.startswith(query_key):
                break
            for place, _kind in self._owners_for(key, mode):
                penalty = KREIS_PENALTY if self._demoted(place, key, mode) else 0.0
                _keep_better(hits, _Hit(place, SCORE_PREFIX - penalty, False, False, 99, False))

    def _collect_written(
        self, spelled: tuple[tuple[Word, ...], ...], mode: _Mode, hits: dict[str, _Hit]
    ) -> list[str]:
        """Add the places the written forms of the query name; returns the keys read."""
        # A written form read without typos counts like a short form; with typos like a fuzzy hit.
        read: list[str] = []
        for query_words in spelled:
            found = self._written.find(query_words)
            read += found
            for key, distance in found.items():
                for place, _kind in self._owners_for(key, mode):
                    demoted = self._demoted(place, key, mode)
                    score = (SCORE_SHORT_FORM if distance == 0 else FUZZY_CAP - distance) - (
                        KREIS_PENALTY if demoted else 0
                    )
                    _keep_better(hits, _Hit(place, score, False, True, distance, not demoted))
        return read


def _typos_spread(query_key: str, key: str, distance: int) -> bool:
    # Two typos allowed in a long name must not sit in one short word: "Kehl am Rhein" is not
    # Weil am Rhein. Each word then carries no more typos than a name of its length may.
    if distance < 2 or " " not in key:
        return True
    return align(tuple(Word(word) for word in query_key.split()), key.split()) is not None


def _query(name: str, spelled: tuple[tuple[Word, ...], ...]) -> _Query:
    # The name is the normalised query less a leading "Stadt", "Landkreis" etc.: drop as many words.
    dropped = [len(found) - len(name.split()) for found in spelled]
    return _Query(name, tuple(found[max(0, n) :] for found, n in zip(spelled, dropped, strict=True)))


def _query_of(found: tuple[Word, ...]) -> _Query:
    return _Query(" ".join(word.text for word in found), (found,))


def _without_tail(result: SearchResult) -> SearchResult:

    # Found without its tail: only a place whose full name is the rest counts ("Mühlacker a. d.
    # Enz"); had the place a suffix of its own, the tail would have matched it, so "Neustadt a. d.
    # Weinstraße" is not Titisee-Neustadt. At best as good as a short form, never the exact name.
    def lowered(candidate: Candidate) -> Candidate:
        return replace(
            candidate,
            score=min(candidate.score, SCORE_SHORT_FORM),
            exact=False,
            confident=candidate.confident and candidate.exact,
        )

    choices = tuple(lowered(c) for c in result.choices if c.exact)
    candidates = tuple(lowered(c) for c in result.candidates)
    return replace(result, candidates=candidates, choices=choices, ambiguous=len(choices) > 1)


def _keep_better(hits: dict[str, _Hit], hit: _Hit) -> None:
    current = hits.get(hit.place.ags)
    if current is None or _preference(hit) > _preference(current):
        hits[hit.place.ags] = hit


def _preference(hit: _Hit) -> tuple[float, bool, int]:
    # Of two hits for the same place keep the better score, then the confident, then the closer.
    return (hit.score, hit.confident, -hit.distance)


def _candidate(hit: _Hit) -> Candidate:
    return Candidate(hit.place, round(hit.score, 1), hit.exact, hit.confident)


@cache
def _index(registry: RegionRegistry) -> SearchIndex:
    return SearchIndex(registry)


def search(query: str, limit: int = 5, registry: RegionRegistry | None = None) -> SearchResult:
    """Find the Gemeinden or Landkreise ``query`` may mean, best first (at most ``limit``,
    more only when more are tied for the ask-which choice).

    Accepts names (typos, missing umlauts, short forms, "Stadt"/"Landkreis"/"LK" prefixes, the
    shortenings clerks write such as "a.N.", "i. Br.", "Schw.", "VS-"), an 8-digit AGS, a 5-digit
    Kreis AGS or a postcode of a Gemeinde's seat.
    """
    return _index(registry or get_registry()).search(query, limit)
