"""Charts for the statistics as PNG bytes: the funnel as bars, and a map of Baden-Württemberg's
municipalities with the places that asked marked by how often.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no global state, no display), so
it is safe in a worker thread: drawing takes a few hundred milliseconds, so a handler runs it with
``asyncio.to_thread``. Every text comes in already translated.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.regions import get_registry
from bot.services.funnel_stats import FunnelCounts
from bot.services.geography import locate

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ACCENT = "#c0392b"
BAR = "#2e86ab"
GREY = "#b8b8b8"
DPI = 120
MAX_MARKER_AREA = 900.0
ATTRIBUTION = "© Statistisches Bundesamt (Destatis), 2025, dl-de/by-2-0"


def _percent(share: float) -> str:
    return f"{round(share * 100)} %"


@dataclass(frozen=True)
class FunnelLabels:
    """Texts of the funnel chart: title, one name per stage (see ``funnel_stats.STAGES``), and how
    a share is written in the reader's language ("45 %" by default)."""

    title: str
    stages: tuple[str, str, str, str, str]
    percent: Callable[[float], str] = _percent


@dataclass(frozen=True)
class MapLabels:
    """Texts of the map: title and the legend's two entries."""

    title: str
    municipalities: str
    requests: str
    attribution: str = ATTRIBUTION


def _marker_area(count: int) -> float:
    # Area, not radius, grows with the count, so that twice the requests look twice as big; capped
    # so that one busy city does not cover its neighbours.
    return min(MAX_MARKER_AREA, 30.0 + 40.0 * count)


def _new_figure(**options: Any) -> Figure:
    """A figure on the Agg canvas; matplotlib is imported here, at the first chart, not at start-up
    (importing it takes seconds, which every start of the bot would pay)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(**options)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def funnel_chart(counts: FunnelCounts, labels: FunnelLabels) -> bytes:
    """Horizontal bars from requests down to consultations, each with its count and its share of
    the stage before."""
    values = counts.stages()
    figure = _new_figure(figsize=(7.5, 4.2), layout="constrained")
    axes = figure.add_subplot()
    positions = list(range(len(values)))[::-1]  # requests on top
    axes.barh(positions, values, color=BAR, height=0.6)
    axes.set_yticks(positions, labels=list(labels.stages))
    axes.set_title(labels.title)
    axes.spines[["top", "right"]].set_visible(False)
    axes.xaxis.get_major_locator().set_params(integer=True)
    widest = max(values) or 1
    axes.set_xlim(0, widest * 1.3)
    shares: list[float | None] = [None, *counts.conversions()]
    for position, value, share in zip(positions, values, shares, strict=True):
        text = f"{value}" if share is None else f"{value}  ({labels.percent(share)})"
        axes.text(value + widest * 0.02, position, text, va="center", fontsize=10)
    return _png(figure)


def municipality_map(places: Mapping[str, int], labels: MapLabels) -> bytes:
    """Every Gemeinde as a small grey dot; the places in ``places`` (Gemeinde or Kreis AGS → number of
    requests) as red circles whose area grows with the number. Unknown keys are left out."""
    gemeinden = get_registry().gemeinden
    figure = _new_figure(figsize=(6.4, 7.2), layout="constrained")
    axes = figure.add_subplot()
    axes.scatter(
        [g.lon for g in gemeinden], [g.lat for g in gemeinden], s=2, color=GREY, label=labels.municipalities
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
        )
        for lon, lat, count in marked:
            if count > 1:
                axes.annotate(str(count), (lon, lat), ha="center", va="center", fontsize=7, color="white")
    mean_lat = sum(g.lat for g in gemeinden) / len(gemeinden)
    # Degrees of longitude are shorter than degrees of latitude this far north.
    axes.set_aspect(1 / math.cos(math.radians(mean_lat)))
    axes.set_axis_off()
    axes.set_title(labels.title)
    legend: Any = axes.legend(loc="lower left", fontsize=8, frameon=False, markerscale=1.0)
    for handle in legend.legend_handles:
        handle.set_sizes([20])
    figure.text(0.99, 0.01, labels.attribution, ha="right", va="bottom", fontsize=6, color="#666666")
    return _png(figure)
