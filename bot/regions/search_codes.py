"""Places by number: an 8-digit AGS, a 5-digit Kreis AGS, or the postcode of a Gemeinde's seat."""

from __future__ import annotations

from bot.regions.registry import STADTKREIS, Gemeinde, RegionRegistry
from bot.regions.search_result import SCORE_EXACT, Candidate, Place, SearchResult


def _population(place: Place) -> int:
    """A place's population for ranking (Kreise count as none)."""
    return place.population if isinstance(place, Gemeinde) else 0


def by_code(registry: RegionRegistry, query: str, digits: str) -> SearchResult:
    """The places ``digits`` names; several Gemeinden sharing a seat postcode are all choices."""
    # Codes are exact by nature.
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
