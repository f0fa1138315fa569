"""Baden-Württemberg regions: Gemeinden, Kreise, Regionen, Regierungsbezirke and name search.

Telegram-free and synchronous; data is loaded once from ``bot/data/bw`` on first use.
"""

from bot.regions.registry import (
    LANDKREIS,
    STADTKREIS,
    Gemeinde,
    Kreis,
    Region,
    RegionRegistry,
    distance_km,
    get_registry,
    kreis_display_name,
)
from bot.regions.search import search
from bot.regions.search_result import Candidate, SearchResult
from bot.regions.text import normalize

__all__ = [
    "LANDKREIS",
    "STADTKREIS",
    "Candidate",
    "Gemeinde",
    "Kreis",
    "Region",
    "RegionRegistry",
    "SearchResult",
    "distance_km",
    "get_registry",
    "kreis_display_name",
    "normalize",
    "search",
]
