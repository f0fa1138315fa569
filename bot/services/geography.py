"""Where a request or an advisor's home lies, in the terms matching compares: Kreis, Region,
Regierungsbezirk and a point for distances. Thin, cached views over :mod:`bot.regions`.

Regierungsbezirke are keyed by the first three digits of the AGS ("081" Stuttgart, "082"
Karlsruhe, "083" Freiburg, "084" Tübingen): every Kreis AGS starts with its Regierungsbezirk's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from bot.regions import STADTKREIS, get_registry


@dataclass(frozen=True, slots=True)
class Location:
    """A Gemeinde or Kreis reduced to what matching needs."""

    kreis_ags: str
    region_key: str
    regierungsbezirk_key: str
    # (lat, lon); a Kreis stands for the population-weighted centre of its Gemeinden.
    point: tuple[float, float]


def regierungsbezirk_key(kreis_ags: str) -> str:
    """The Regierungsbezirk key of a Kreis AGS ("08416" → "084")."""
    return kreis_ags[:3]


@cache
def regierungsbezirk_names() -> dict[str, str]:
    """Regierungsbezirk key → name ("081" → "Stuttgart")."""
    return {regierungsbezirk_key(k.ags): k.regierungsbezirk for k in get_registry().kreise}


@cache
def _region_keys() -> dict[str, str]:
    """Region keys by region name."""
    return {region.name: region.key for region in get_registry().regionen}


@cache
def _kreis_centre(kreis_ags: str) -> tuple[float, float] | None:
    """A Kreis's centre, weighted by where its people live."""
    gemeinden = get_registry().gemeinden_in_kreis(kreis_ags)
    people = sum(g.population for g in gemeinden)
    if not gemeinden or people <= 0:
        return None
    lat = sum(g.lat * g.population for g in gemeinden) / people
    lon = sum(g.lon * g.population for g in gemeinden) / people
    return (lat, lon)


@cache
def locate(ags: str | None) -> Location | None:
    """The location of a Gemeinde (8-digit AGS) or Kreis (5-digit AGS); None when unknown."""
    if not ags:
        return None
    registry = get_registry()
    gemeinde = registry.gemeinde(ags)
    if gemeinde is not None:
        kreis = registry.kreis_of(gemeinde)
        point: tuple[float, float] | None = (gemeinde.lat, gemeinde.lon)
    else:
        found = registry.kreis(ags)
        if found is None:
            return None
        kreis, point = found, _kreis_centre(found.ags)
    if point is None:
        return None
    return Location(kreis.ags, _region_keys().get(kreis.region, ""), regierungsbezirk_key(kreis.ags), point)


def place_label(place_name: str, place_ags: str, kreis_ags: str) -> str:
    """A request's place with its Kreis, each named once (not escaped).

    "Talheim, Landkreis Heilbronn" stays; "Tübingen" becomes "Tübingen (Landkreis Tübingen)"; a
    Stadtkreis is its own Kreis: "Freiburg im Breisgau (Stadtkreis)", also for places stored
    before in Destatis' form "Freiburg im Breisgau, Stadtkreis". A Kreis chosen as a whole keeps
    its name.
    """
    registry = get_registry()
    kreis = registry.kreis(kreis_ags)
    if kreis is None or len(place_ags) == 5:
        return place_name
    if kreis.kind == STADTKREIS:
        gemeinde = registry.gemeinde(place_ags)
        return gemeinde.label if gemeinde is not None else place_name
    if kreis.display_name in place_name:
        return place_name
    return f"{place_name} ({kreis.display_name})"
