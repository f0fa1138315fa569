"""Charts for the statistics as PNG bytes: the requests by stage as bars, and a map of
Baden-Württemberg's municipalities with the places that asked (see ``charts_map``).

Drawing takes a few hundred milliseconds, so a handler runs it with ``asyncio.to_thread``. Every
text comes in already translated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.services.chart_canvas import BAR, new_figure, png
from bot.services.charts_map import MapLabels, map_annotations, municipality_map, municipality_map_figure
from bot.services.funnel_stats import FunnelCounts

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "FunnelLabels",
    "MapLabels",
    "funnel_chart",
    "funnel_figure",
    "map_annotations",
    "municipality_map",
    "municipality_map_figure",
]


def _percent(share: float) -> str:
    """A share as a whole percentage."""
    return f"{round(share * 100)} %"


@dataclass(frozen=True)
class FunnelLabels:
    """Texts of the stage chart: title, one name per stage (see ``funnel_stats.STAGES``), and how
    a share is written in the reader's language ("45 %" by default)."""

    title: str
    stages: tuple[str, str, str, str, str]
    percent: Callable[[float], str] = _percent


def funnel_figure(counts: FunnelCounts, labels: FunnelLabels) -> Figure:
    """Horizontal bars from requests down to consultations, each with its count and its share of
    the stage before."""
    values = counts.stages()
    figure = new_figure(figsize=(7.5, 4.2), layout="constrained")
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
    return figure


def funnel_chart(counts: FunnelCounts, labels: FunnelLabels) -> bytes:
    """The stage chart (:func:`funnel_figure`) as PNG bytes."""
    return png(funnel_figure(counts, labels))
