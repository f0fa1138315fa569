"""The map of the statistics: Baden-Württemberg's municipalities as dots tinted by Regierungsbezirk,
the four Regierungsbezirke and the largest towns named, and the places that asked as red circles
whose area grows with the number of requests.

Every text comes in already translated (:class:`MapLabels`); :func:`map_annotations` says which
names the map carries and where, so they can be checked without reading pixels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from bot.regions import get_registry
from bot.services.chart_canvas import ACCENT, GREY, INK, new_figure, png
from bot.services.geography import locate

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.text import Text

MAX_MARKER_AREA = 900.0
ATTRIBUTION = "© Statistisches Bundesamt (Destatis), 2025, dl-de/by-2-0"
LARGEST_PLACES = 10
# Soft tints, one per Regierungsbezirk in official order (Stuttgart, Karlsruhe, Freiburg, Tübingen):
# light enough that the red circles stay the thing the eye finds, and none of them reddish.
_TINTS = ("#9ecae1", "#a1d99b", "#fdd49e", "#cbc9e2")
# Where a town's name may go relative to its dot, in order of preference: direction (times the
# gap in points) and alignment.
_OFFSETS: tuple[tuple[tuple[float, float], str, str], ...] = (
    ((1.0, 0.0), "left", "center"),
    ((-1.0, 0.0), "right", "center"),
    ((0.0, 1.0), "center", "bottom"),
    ((0.0, -1.0), "center", "top"),
    ((0.8, 0.8), "left", "bottom"),
    ((0.8, -0.8), "left", "top"),
)
_GAP = 4.0


@dataclass(frozen=True)
class MapLabels:
    """Texts of the map: title, the legend's two entries, and how a Regierungsbezirk is named
    (``{name}`` is its name: "Regierungsbezirk {name}")."""

    title: str
    municipalities: str
    requests: str
    regierungsbezirk: str = "Regierungsbezirk {name}"
    attribution: str = ATTRIBUTION


class AnnotationKind(Enum):
    """What a name on the map stands for."""

    REGIERUNGSBEZIRK = "regierungsbezirk"
    PLACE = "place"


@dataclass(frozen=True)
class Annotation:
    """One name on the map and the point (lon, lat) it belongs to."""

    text: str
    lon: float
    lat: float
    kind: AnnotationKind


def map_annotations(labels: MapLabels, largest: int = LARGEST_PLACES) -> list[Annotation]:
    """The names the map carries: each Regierungsbezirk at the middle of its Gemeinden, then the
    ``largest`` Gemeinden by population at their own point, largest first."""
    registry = get_registry()
    found: list[Annotation] = []
    for bezirk in registry.regierungsbezirke:
        members = [g for g in registry.gemeinden if g.regierungsbezirk == bezirk]
        found.append(
            Annotation(
                labels.regierungsbezirk.format(name=bezirk),
                sum(g.lon for g in members) / len(members),
                sum(g.lat for g in members) / len(members),
                AnnotationKind.REGIERUNGSBEZIRK,
            )
        )
    biggest = sorted(registry.gemeinden, key=lambda g: g.population, reverse=True)[:largest]
    found += [Annotation(g.name, g.lon, g.lat, AnnotationKind.PLACE) for g in biggest]
    return found


def _marker_area(count: int) -> float:
    """The dot size for a place with ``count`` requests."""
    # Area, not radius, grows with the count, so that twice the requests look twice as big; capped
    # so that one busy city does not cover its neighbours.
    return min(MAX_MARKER_AREA, 30.0 + 40.0 * count)


def _outlined() -> list[Any]:
    """A white rim that keeps a label readable on the map."""
    # A white rim keeps a name readable over dots and circles.
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=2.2, foreground="white")]


def _place_names(
    axes: Axes, annotations: list[Annotation], radii: Mapping[tuple[float, float], float]
) -> None:
    """Draw the names; a town's name goes on the first side of its dot where it covers no name
    drawn before (the Regierungsbezirke first, they are the largest), outside the red circle a
    town may have (``radii``: (lon, lat) → radius in points)."""
    renderer = axes.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    taken = []
    for note in annotations:
        if note.kind is AnnotationKind.REGIERUNGSBEZIRK:
            text: Text = axes.text(
                note.lon,
                note.lat,
                note.text.replace(" ", "\n", 1),
                ha="center",
                va="center",
                fontsize=10,
                fontstyle="italic",
                color="#555555",
                alpha=0.9,
                path_effects=_outlined(),
                zorder=3,
            )
            taken.append(text.get_window_extent(renderer))
            continue
        # Under the red circles, so that a circle's count stays readable.
        axes.scatter([note.lon], [note.lat], s=6, color=INK, zorder=1.5)
        text = axes.annotate(
            note.text,
            (note.lon, note.lat),
            xytext=(_GAP, 0.0),
            textcoords="offset points",
            fontsize=7,
            color=INK,
            path_effects=_outlined(),
            zorder=5,
        )
        gap = _GAP + radii.get((note.lon, note.lat), 0.0)
        for (dx, dy), ha, va in _OFFSETS:
            text.set_position((dx * gap, dy * gap))
            text.set_horizontalalignment(ha)
            text.set_verticalalignment(va)
            box = text.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in taken):
                break
        taken.append(text.get_window_extent(renderer))


def municipality_map_figure(places: Mapping[str, int], labels: MapLabels) -> Any:
    """The map as a matplotlib figure: every Gemeinde as a small dot tinted by its Regierungsbezirk,
    the places in ``places`` (Gemeinde or Kreis AGS → number of requests) as red circles whose
    area grows with the number, and the names of :func:`map_annotations`. Unknown keys are left out."""
    registry = get_registry()
    gemeinden = registry.gemeinden
    tint = dict(zip(registry.regierungsbezirke, _TINTS, strict=True))
    figure = new_figure(figsize=(6.4, 7.2), layout="constrained")
    axes = figure.add_subplot()
    axes.scatter(
        [g.lon for g in gemeinden],
        [g.lat for g in gemeinden],
        s=3,
        c=[tint[g.regierungsbezirk] for g in gemeinden],
        label=labels.municipalities,
    )
    marked: list[tuple[float, float, int]] = []
    for ags, count in places.items():
        location = locate(ags)
        if location is not None and count > 0:
            marked.append((location.point[1], location.point[0], count))
    if marked:
        axes.scatter(
            [m[0] for m in marked],
            [m[1] for m in marked],
            s=[_marker_area(m[2]) for m in marked],
            color=ACCENT,
            alpha=0.6,
            edgecolors="white",
            linewidths=0.5,
            label=labels.requests,
            zorder=2,
        )
        for lon, lat, count in marked:
            if count > 1:
                axes.annotate(
                    str(count), (lon, lat), ha="center", va="center", fontsize=7, color="white", zorder=6
                )
    mean_lat = sum(g.lat for g in gemeinden) / len(gemeinden)
    # Degrees of longitude are shorter than degrees of latitude this far north.
    axes.set_aspect(1 / math.cos(math.radians(mean_lat)))
    axes.set_axis_off()
    axes.set_title(labels.title)
    legend: Any = axes.legend(loc="lower left", fontsize=8, frameon=False, markerscale=1.0)
    for handle in legend.legend_handles:
        handle.set_sizes([20])
    legend.legend_handles[0].set_color(GREY)
    figure.text(0.99, 0.01, labels.attribution, ha="right", va="bottom", fontsize=6, color="#666666")
    figure.canvas.draw()  # fixes the layout, so that the names are measured where they end up
    radii = {(lon, lat): math.sqrt(_marker_area(count)) / 2 for lon, lat, count in marked}
    _place_names(axes, map_annotations(labels), radii)
    return figure


def municipality_map(places: Mapping[str, int], labels: MapLabels) -> bytes:
    """The map (:func:`municipality_map_figure`) as PNG bytes."""
    return png(municipality_map_figure(places, labels))
