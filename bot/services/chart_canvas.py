"""The drawing surface the statistics charts share: a matplotlib figure on the Agg canvas, its
colours and its PNG output.

matplotlib's object API on the Agg canvas (no pyplot, no global state, no display) is safe in a
worker thread; matplotlib is imported at the first chart, not at start-up (importing it takes
seconds, which every start of the bot would pay).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ACCENT = "#c0392b"
BAR = "#2e86ab"
GREY = "#b8b8b8"
INK = "#222222"
DPI = 120


def new_figure(**options: Any) -> Figure:
    """A figure on the Agg canvas (``options`` as for matplotlib's ``Figure``)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(**options)
    FigureCanvasAgg(figure)
    return figure


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes at the charts' resolution."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
