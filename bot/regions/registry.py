"""The Baden-Württemberg region registry: Gemeinden, Kreise, Regionen and Regierungsbezirke.

Loaded once from the package data in ``bot/data/bw`` (Destatis GV100AD, see ``SOURCE.md``) and
kept in memory; everything here is plain data and synchronous, free of Telegram and database.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

LANDKREIS = "Landkreis"
STADTKREIS = "Stadtkreis"

# Mean Earth radius (IUGG); haversine on a sphere is accurate to ~0.5 %, plenty for "how far".
_EARTH_RADIUS_KM = 6371.0088
# Destatis writes Stadtkreise as "Heilbronn, Stadtkreis" to tell them apart from the Landkreis.
_STADTKREIS_SUFFIX = ", Stadtkreis"


@dataclass(frozen=True, slots=True)
class Gemeinde:
    """A politically independent municipality (1,101 in BW); ``ags`` is the unique key.

    ``name`` is the common name ("Tübingen"), ``name_official`` the Destatis one with its suffix
    ("Tübingen, Universitätsstadt"). ``kind`` is Stadtkreis / Große Kreisstadt / Stadt / Gemeinde.
    ``plz`` is only the postcode of the seat (town hall); larger places have several.
    """

    ags: str
    name: str
    name_official: str
    kind: str
    kreis_ags: str
    kreis: str
    kreis_kind: str
    regierungsbezirk: str
    region: str
    population: int
    lat: float
    lon: float
    plz: str

    @property
    def kreis_display_name(self) -> str:
        """The Kreis as people write it: "Landkreis Tübingen", "Stadtkreis Heilbronn"."""
        return kreis_display_name(self.kreis, self.kreis_kind)

    @property
    def label(self) -> str:
        """Name plus Kreis, unique across BW: "Talheim, Landkreis Heilbronn"; a Stadtkreis is its own
        Kreis and is named once: "Ulm (Stadtkreis)"."""
        if self.kreis_kind == STADTKREIS:
            return f"{self.name} ({STADTKREIS})"
        return f"{self.name}, {self.kreis_display_name}"


@dataclass(frozen=True, slots=True)
class Kreis:
    """A Landkreis or Stadtkreis (44 in BW); ``name`` is without the ", Stadtkreis" suffix."""

    ags: str
    name: str
    display_name: str
    kind: str
    regierungsbezirk: str
    region: str

    @property
    def label(self) -> str:
        """Same as ``display_name``; lets callers show Gemeinden and Kreise alike."""
        return self.display_name


@dataclass(frozen=True, slots=True)
class Region:
    """One of the 12 Regionen (Regionalverbände), with the AGS of its member Kreise."""

    key: str
    name: str
    seat: str
    regierungsbezirk: str
    kreis_ags: tuple[str, ...]


def kreis_display_name(name: str, kind: str) -> str:
    """Display name of a Kreis: "Landkreis Tübingen", "Stadtkreis Heilbronn", "Ortenaukreis"."""
    if kind == STADTKREIS:
        return f"{STADTKREIS} {name}"
    if name.lower().endswith("kreis"):
        return name
    return f"{LANDKREIS} {name}"


def _compact(code: str) -> str:
    """An official municipality key (AGS) without its spaces."""
    # Users and spreadsheets write AGS as "08 1 11 000" or "08111 000"; only the digits count.
    return "".join(code.split())


class RegionRegistry:
    """All BW Gemeinden, Kreise, Regionen and Regierungsbezirke with lookups by key.

    Build it with :func:`get_registry`; it is immutable after construction.
    """

    def __init__(
        self,
        gemeinden: tuple[Gemeinde, ...],
        kreise: tuple[Kreis, ...],
        regionen: tuple[Region, ...],
    ) -> None:
        """Hold the places and index them by key."""
        self.gemeinden = gemeinden
        self.kreise = kreise
        self.regionen = regionen
        # Order of first appearance follows the AGS, i.e. the official order 081..084.
        self.regierungsbezirke: tuple[str, ...] = tuple(dict.fromkeys(k.regierungsbezirk for k in kreise))
        self._by_ags = {g.ags: g for g in gemeinden}
        self._kreis_by_ags = {k.ags: k for k in kreise}
        self._region_by_key = {r.key: r for r in regionen}
        self._by_plz: dict[str, tuple[Gemeinde, ...]] = {}
        self._by_kreis: dict[str, tuple[Gemeinde, ...]] = {}
        for g in gemeinden:
            self._by_plz[g.plz] = (*self._by_plz.get(g.plz, ()), g)
            self._by_kreis[g.kreis_ags] = (*self._by_kreis.get(g.kreis_ags, ()), g)

    def gemeinde(self, ags: str) -> Gemeinde | None:
        """The Gemeinde with this 8-digit AGS (spaces allowed), or None."""
        return self._by_ags.get(_compact(ags))

    def kreis(self, kreis_ags: str) -> Kreis | None:
        """The Kreis with this 5-digit AGS (spaces allowed), or None."""
        return self._kreis_by_ags.get(_compact(kreis_ags))

    def region(self, key: str) -> Region | None:
        """The Region with this 4-digit key (e.g. "0841" Neckar-Alb), or None."""
        return self._region_by_key.get(_compact(key))

    def by_postcode(self, plz: str) -> tuple[Gemeinde, ...]:
        """Gemeinden whose seat has this postcode (several small ones may share one); may be empty.

        Only the seat's PLZ is known, so other postcodes of a Gemeinde find nothing.
        """
        return self._by_plz.get(_compact(plz), ())

    def gemeinden_in_kreis(self, kreis_ags: str) -> tuple[Gemeinde, ...]:
        """The Gemeinden of a Kreis in AGS order (empty for an unknown Kreis)."""
        return self._by_kreis.get(_compact(kreis_ags), ())

    def kreis_of(self, gemeinde: Gemeinde) -> Kreis:
        """The Kreis a Gemeinde belongs to."""
        return self._kreis_by_ags[gemeinde.kreis_ags]


def distance_km(a: Gemeinde | tuple[float, float], b: Gemeinde | tuple[float, float]) -> float:
    """Great-circle (haversine) distance in km between Gemeinden and/or (lat, lon) points.

    A Gemeinde stands for its Destatis centre point, not its town hall.
    """
    lat1, lon1 = (a.lat, a.lon) if isinstance(a, Gemeinde) else a
    lat2, lon2 = (b.lat, b.lon) if isinstance(b, Gemeinde) else b
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _read_csv(filename: str) -> list[dict[str, str]]:
    """The rows of one of the packaged region CSV files."""
    resource = files("bot") / "data" / "bw" / filename
    with resource.open("r", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_registry() -> RegionRegistry:
    """Read the package data into a new registry (prefer the cached :func:`get_registry`)."""
    kreise: list[Kreis] = []
    for row in _read_csv("kreise.csv"):
        name = row["kreis"].removesuffix(_STADTKREIS_SUFFIX)
        kreise.append(
            Kreis(
                ags=row["kreis_ags"],
                name=name,
                display_name=kreis_display_name(name, row["kind"]),
                kind=row["kind"],
                regierungsbezirk=row["regierungsbezirk"],
                region=row["region"],
            )
        )
    kreis_by_ags = {k.ags: k for k in kreise}
    details = {row["ags"]: row for row in _read_csv("gemeinden_details.csv")}
    gemeinden: list[Gemeinde] = []
    for row in _read_csv("gemeinden.csv"):
        extra = details[row["ags"]]
        kreis = kreis_by_ags[row["kreis_ags"]]
        gemeinden.append(
            Gemeinde(
                ags=row["ags"],
                name=row["name"],
                name_official=extra["name_official"],
                kind=extra["type"],
                kreis_ags=kreis.ags,
                kreis=kreis.name,
                kreis_kind=kreis.kind,
                regierungsbezirk=row["regierungsbezirk"],
                region=row["region"],
                population=int(row["population"]),
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                plz=extra["plz"],
            )
        )
    regionen = tuple(
        Region(
            key=row["region_key"],
            name=row["region"],
            seat=row["verwaltungssitz"],
            regierungsbezirk=row["regierungsbezirk"],
            kreis_ags=tuple(row["kreis_ags_list"].split()),
        )
        for row in _read_csv("regionen.csv")
    )
    return RegionRegistry(tuple(gemeinden), tuple(kreise), regionen)


@cache
def get_registry() -> RegionRegistry:
    """The process-wide registry, loaded from package data on first use."""
    return load_registry()
