"""Where an advisor stands relative to a request's place, as :mod:`bot.services.matching` scores it:
the region tier (the keys of ``matching.REGION_TIERS``), whether the area they named covers the
place, and the distance from their home.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.regions import distance_km
from bot.services.geography import Location, locate


def tier(place: Location | None, home: Location | None, serves: bool) -> str:
    """How close the advisor is to the request's place (same Kreis, same Region, ..., served area)."""
    if place is not None and home is not None:
        if home.kreis_ags == place.kreis_ags:
            return "same_kreis"
        if home.region_key and home.region_key == place.region_key:
            return "same_region"
        if home.regierungsbezirk_key == place.regierungsbezirk_key:
            return "same_regierungsbezirk"
    return "served_area" if serves else "outside_area"


def placement(
    place: Location | None, home_ags: str | None, kreise: Sequence[str], regierungsbezirke: Sequence[str]
) -> tuple[str, bool, float | None]:
    """The tier, whether the named area (``kreise``, ``regierungsbezirke``) covers the place, and the
    distance in km from the home to the place (None when either is unknown)."""
    home = locate(home_ags)
    serves = place is not None and (
        place.kreis_ags in kreise or place.regierungsbezirk_key in regierungsbezirke
    )
    km = None if place is None or home is None else distance_km(home.point, place.point)
    return tier(place, home, serves), serves, km
