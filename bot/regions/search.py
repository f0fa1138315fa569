"""Find the Gemeinde or Landkreis a person means from free text ("Stuttgrat", "LK Ludwigsburg", "72070").

Matching runs on normalised keys (lowercase, umlauts folded both as "ae" and as "a", ß→ss,
"St." → "sankt", punctuation dropped). Every Gemeinde has its full name plus short forms as keys
("Freiburg" for Freiburg im Breisgau, "Villingen" for Villingen-Schwenningen); Landkreise have
their name and the name without "kreis". Lookup order: exact key, then typo-tolerant rapidfuzz
(OSA edit distance, so a swapped pair of letters is one typo), then word prefix for suggestions.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, replace
from enum import Enum
from functools import cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.regions.registry import LANDKREIS, STADTKREIS, Gemeinde, Kreis, RegionRegistry, get_registry

Place = Gemeinde | Kreis

# Scores (0-100). Fuzzy scores are capped below the short-form score so that a typo never
# outranks a place whose name or short form was written exactly.
SCORE_EXACT = 100.0
SCORE_SHORT_FORM = 95.0
_FUZZY_CAP = 94.0
# A Landkreis named like a town ("Tübingen") is offered after the town, never instead of it.
_KREIS_PENALTY = 10.0
_SCORE_PREFIX = 80.0
_FUZZY_CUTOFF = 0.6
_FUZZY_LIMIT = 12

_UMLAUTS_AE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_UMLAUTS_PLAIN = str.maketrans({"ä": "a", "ö": "o", "ü": "u"})
_SANKT = re.compile(r"\bst\b\.?")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# "Rheinfelden (Baden)", "Lahr/Schwarzwald": the part people leave out.
_QUALIFIER = re.compile(r"\s*(\(.*\)|/.*)$")
# "Freiburg im Breisgau", "Biberach an der Riß", "Kirchheim unter Teck", "Weil der Stadt".
_LOCATION_SUFFIX = re.compile(r"\s+(am|an|im|in|ob|bei|auf|unter|vor|zu|der)\s.+$")
_KREIS_SUFFIX = re.compile(r"[\s-]*kreis$", re.IGNORECASE)
_LEADING_PLZ = re.compile(r"(\d{5})\s+(\D.*)")

# Normalised leading words that say which kind of body is meant; they are not part of a name.
_KREIS_PREFIXES = ("landratsamt", "landkreis", "kreis", "lkr", "lra", "lk")
_GEMEINDE_PREFIXES = (
    "grosse kreisstadt",
    "landeshauptstadt",
    "universitaetsstadt",
    "stadtverwaltung",
    "gemeindeverwaltung",
    "buergermeisteramt",
    "stadtkreis",
    "gemeinde",
    "stadt",
)
# Dropped anywhere so that a label typed back ("Talheim, Landkreis Heilbronn") finds its key.
_FILLER_WORDS = frozenset({"landkreis", "kreis", "lk", "lkr", "stadtkreis"})

# Well-known places outside BW that are one typo away from a BW name ("Basel" → Hasel,
# "Memmingen" → Hemmingen) or part of one (Bodman-Ludwigshafen). Found by running Germany's
# large cities and the neighbours of BW through the matcher. For these only an exact BW name counts.
_OUTSIDE_BW_NAMES = (
    "Basel",
    "Göttingen",
    "Hanau",
    "Ludwigshafen",
    "Memmingen",
    "Mülhausen",
    "Salzburg",
    "Straßburg",
)


class _KeyKind(Enum):
    FULL = "full"  # the full name
    SHORT = "short"  # a short form of the name
    LABEL = "label"  # "<name> <kreis>", only for names shared by several places


class _Mode(Enum):
    ANY = "any"
    GEMEINDE = "gemeinde"
    KREIS = "kreis"


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


def normalize(text: str) -> str:
    """Lowercase, umlauts as "ae/oe/ue", ß→ss, "St." → "sankt", only letters, digits, single spaces."""
    return _normalize(text, _UMLAUTS_AE)


def _normalize(text: str, umlauts: dict[int, str]) -> str:
    # casefold turns ß into "ss"; NFKD afterwards strips other accents (é → e).
    folded = unicodedata.normalize("NFC", text).casefold().translate(umlauts)
    folded = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    folded = _SANKT.sub("sankt", folded)
    return _NON_ALNUM.sub(" ", folded).strip()


def _variants(text: str) -> tuple[str, ...]:
    """Both umlaut foldings: names are typed as "Tuebingen" and as "Tubingen"."""
    return tuple(dict.fromkeys((_normalize(text, _UMLAUTS_AE), _normalize(text, _UMLAUTS_PLAIN))))


_OUTSIDE_BW = frozenset(key for name in _OUTSIDE_BW_NAMES for key in _variants(name))


def _short_forms(name: str) -> set[str]:
    """Ways people shorten a Gemeinde name, e.g. "Villingen-Schwenningen" → Villingen, Schwenningen."""
    forms = {name}
    pending = [name]
    while pending:
        current = pending.pop()
        shorter = {
            _QUALIFIER.sub("", current),
            _LOCATION_SUFFIX.sub("", current),
            current.removeprefix("Bad "),
        }
        if "-" in current:
            # Double names from mergers: each part is an everyday name of its own.
            shorter.update(current.split("-"))
        for form in shorter:
            form = form.strip()
            if len(form) >= 2 and form not in forms:
                forms.add(form)
                pending.append(form)
    forms.discard(name)
    return forms


def _without_fillers(key: str) -> str:
    return " ".join(word for word in key.split() if word not in _FILLER_WORDS)


def _typo_tolerance(length: int) -> int:
    # Short names get no typos: "Au", "Ulm" or "Berg" are one letter away from too much.
    # More than one typo only in long names: two edits turn "Darmstadt" into "Dornstadt" and
    # "Regensburg" into "Ravensburg", so mid-length names would match places outside BW.
    if length < 5:
        return 0
    if length < 12:
        return 1
    return 2


def _strip_prefix(text: str, prefixes: tuple[str, ...]) -> str | None:
    for prefix in prefixes:
        if text.startswith(prefix + " ") and len(text) > len(prefix) + 1:
            return text[len(prefix) + 1 :]
    return None


def _population(place: Place) -> int:
    return place.population if isinstance(place, Gemeinde) else 0


@dataclass(slots=True)
class _Hit:
    place: Place
    score: float
    exact: bool
    confident: bool
    distance: int  # edit distance of the matched key; 0 for exact keys
    askable: bool  # may be one of the choices the caller asks about

    def rank(self) -> tuple[float, bool, int]:
        return (self.score, isinstance(self.place, Gemeinde), _population(self.place))


class SearchIndex:
    """Normalised name keys of all Gemeinden and Landkreise, built once per registry."""

    def __init__(self, registry: RegionRegistry) -> None:
        self._registry = registry
        self._owners: dict[str, list[tuple[Place, _KeyKind]]] = {}
        for gemeinde in registry.gemeinden:
            self._add(gemeinde, gemeinde.name, _KeyKind.FULL)
            for form in _short_forms(gemeinde.name):
                self._add(gemeinde, form, _KeyKind.SHORT)
        self._gemeinde_keys = frozenset(self._owners)
        self._add_labels()
        # Stadtkreise are left out: their one Gemeinde is the place people mean.
        for kreis in registry.kreise:
            if kreis.kind != LANDKREIS:
                continue
            self._add(kreis, kreis.name, _KeyKind.FULL)
            short = _KREIS_SUFFIX.sub("", kreis.name)
            if short != kreis.name and len(short) >= 4:
                self._add(kreis, short, _KeyKind.SHORT)
        self._keys = sorted(self._owners)

    def _add(self, place: Place, text: str, kind: _KeyKind) -> None:
        for key in _variants(text):
            self._add_key(key, place, kind)

    def _add_key(self, key: str, place: Place, kind: _KeyKind) -> None:
        owners = self._owners.setdefault(key, [])
        if all(owner is not place for owner, _ in owners):
            owners.append((place, kind))

    def _add_labels(self) -> None:
        # "talheim heilbronn" / "talheim tuttlingen": lets a user (or a label typed back,
        # "Talheim, Landkreis Heilbronn") settle a name that several Gemeinden share.
        for key, owners in list(self._owners.items()):
            if len(owners) < 2:
                continue
            for owner, _ in owners:
                if not isinstance(owner, Gemeinde):
                    continue
                for base in {key, *_variants(owner.name)}:
                    for kreis_key in _variants(owner.kreis):
                        label = f"{base} {_without_fillers(kreis_key)}"
                        self._add_key(label, owner, _KeyKind.LABEL)

    def search(self, query: str, limit: int = 5) -> SearchResult:
        """Rank Gemeinden and Landkreise for ``query``; see :func:`search`."""
        text = query.strip()
        compact = "".join(text.split())
        if compact.isdigit():
            return self._by_code(query, compact)
        leading_plz = _LEADING_PLZ.fullmatch(text)
        if leading_plz:
            # "72070 Tübingen": the name decides; the postcode is the fallback.
            by_name = replace(self.search(leading_plz.group(2), limit), query=query)
            if by_name.confident:
                return by_name
            by_code = self._by_code(query, leading_plz.group(1))
            return by_code if by_code.candidates else by_name
        normalised = normalize(text)
        if not normalised:
            return SearchResult(query, (), (), False)
        kreis_name = _strip_prefix(normalised, _KREIS_PREFIXES)
        if kreis_name is not None:
            result = self._match(query, kreis_name, _Mode.KREIS, limit)
            if result.confident:
                return result
        gemeinde_name = _strip_prefix(normalised, _GEMEINDE_PREFIXES)
        if gemeinde_name is not None:
            return self._match(query, gemeinde_name, _Mode.GEMEINDE, limit)
        return self._match(query, normalised, _Mode.ANY, limit)

    def _by_code(self, query: str, digits: str) -> SearchResult:
        # Codes are exact by nature; several Gemeinden sharing a seat postcode are all choices.
        registry = self._registry
        places: list[Place] = []
        if len(digits) == 7 and digits.startswith("8"):
            digits = "0" + digits  # a spreadsheet ate the leading zero of the AGS
        if len(digits) == 8 and (gemeinde := registry.gemeinde(digits)):
            places = [gemeinde]
        elif len(digits) == 5 and digits.startswith("08"):
            # BW Kreis keys start with 08; no German postcode region 08 lies in BW.
            kreis = registry.kreis(digits)
            if kreis is not None and kreis.kind == STADTKREIS:
                places = list(registry.gemeinden_in_kreis(kreis.ags))
            elif kreis is not None:
                places = [kreis]
        elif len(digits) == 5:
            places = sorted(registry.by_postcode(digits), key=_population, reverse=True)
        hits = tuple(Candidate(place, SCORE_EXACT, True, True) for place in places)
        return SearchResult(query, hits, hits, len(hits) > 1)

    def _match(self, query: str, name: str, mode: _Mode, limit: int) -> SearchResult:
        query_keys = list(_variants(name))
        without_fillers = _without_fillers(name)
        if without_fillers and without_fillers != name:
            query_keys.append(without_fillers)
        hits: dict[str, _Hit] = {}
        for query_key in query_keys:
            self._collect_exact(query_key, mode, hits)
            self._collect_fuzzy(query_key, mode, hits)
            self._collect_prefix(query_key, mode, hits)
        if not _OUTSIDE_BW.isdisjoint(query_keys):
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

    def _owners_for(self, key: str, mode: _Mode) -> list[tuple[Place, _KeyKind]]:
        owners = self._owners.get(key, [])
        if mode is _Mode.GEMEINDE:
            return [o for o in owners if isinstance(o[0], Gemeinde)]
        if mode is _Mode.KREIS:
            return [o for o in owners if isinstance(o[0], Kreis)]
        return owners

    def _demoted(self, place: Place, key: str, mode: _Mode) -> bool:
        # Without "Landkreis"/"Kreis" in front, "Tübingen" means the town, not the Landkreis.
        return mode is _Mode.ANY and isinstance(place, Kreis) and key in self._gemeinde_keys

    def _collect_exact(self, query_key: str, mode: _Mode, hits: dict[str, _Hit]) -> None:
        for place, kind in self._owners_for(query_key, mode):
            score = SCORE_SHORT_FORM if kind is _KeyKind.SHORT else SCORE_EXACT
            demoted = self._demoted(place, query_key, mode)
            if demoted:
                score -= _KREIS_PENALTY
            hit = _Hit(place, score, kind is not _KeyKind.SHORT, True, 0, not demoted)
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
            confident = distance <= _typo_tolerance(len(key))
            for place, _kind in self._owners_for(key, mode):
                demoted = self._demoted(place, key, mode)
                score = min(_FUZZY_CAP, similarity * 100) - (_KREIS_PENALTY if demoted else 0)
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
                penalty = _KREIS_PENALTY if self._demoted(place, key, mode) else 0.0
                _keep_better(hits, _Hit(place, _SCORE_PREFIX - penalty, False, False, 99, False))


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

    Accepts names (typos, missing umlauts, short forms, "Stadt"/"Landkreis"/"LK" prefixes),
    an 8-digit AGS, a 5-digit Kreis AGS or a postcode of a Gemeinde's seat.
    """
    return _index(registry or get_registry()).search(query, limit)
