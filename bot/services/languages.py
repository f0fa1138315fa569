"""Languages a municipality can ask for: ISO codes with CLDR names, popularity and a forgiving search."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache

from babel import Locale
from babel.localedata import locale_identifiers
from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import KickoffRequest

# Order used until enough requests exist to rank by demand: the languages of the largest
# migrant communities in Baden-Württemberg first, then German and common lingua francas.
DEFAULT_ORDER: tuple[str, ...] = (
    "tr", "ar", "uk", "ru", "fa", "ku", "pl", "ro", "it", "hr",
    "el", "sq", "sr", "de", "en", "fr", "es", "ti", "so", "ps",
)  # fmt: skip
SHOWN = 10
MAX_SELECTED = 8
# How many recent requests decide what is "most requested".
_DEMAND_WINDOW = 500
# Names people use that CLDR does not list under the language they mean.
_ALIASES = {
    "farsi": "fa",
    "dari": "fa",
    "sorani": "ckb",
    "kurmanci": "ku",
    "kurmanji": "ku",
    "kurmandschi": "ku",
    "tigrinja": "ti",
    "tigrinisch": "ti",
    "tigrigna": "ti",
    "amharisch": "am",
    "paschtu": "ps",
    "pashto": "ps",
    "ukrainisch": "uk",
}
_FUZZY_MIN = 75.0
_NON_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Casefold, strip accents, keep letters and digits of any script, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped).strip()


@cache
def all_codes() -> frozenset[str]:
    """Every language Babel has locale data for (plain language codes such as "tr", "ckb")."""
    names = Locale("en").languages
    return frozenset(code for code in locale_identifiers() if "_" not in code and code in names)


def is_known(code: str) -> bool:
    """Whether ``code`` is a language the intake accepts."""
    return code in all_codes()


def rank_by_demand(counts: Counter[str]) -> list[str]:
    """Codes by how often they were requested, ties (and unrequested ones) in the default order."""
    default_rank = {code: i for i, code in enumerate(DEFAULT_ORDER)}
    codes = set(counts) | set(DEFAULT_ORDER)
    return sorted(codes, key=lambda c: (-counts[c], default_rank.get(c, len(DEFAULT_ORDER)), c))


async def most_requested(session: AsyncSession, limit: int = SHOWN) -> list[str]:
    """The ``limit`` languages asked for most in recent requests (the default order fills up)."""
    rows = await session.scalars(
        select(KickoffRequest.languages).order_by(KickoffRequest.id.desc()).limit(_DEMAND_WINDOW)
    )
    counts: Counter[str] = Counter(code for codes in rows for code in codes or () if is_known(code))
    return rank_by_demand(counts)[:limit]


@cache
def _search_keys(locale: str) -> tuple[tuple[str, str], ...]:
    """(normalised name, code) for the name in ``locale``, in English and in the language itself."""
    keys: set[tuple[str, str]] = set()
    shown, english = Locale.parse(locale).languages, Locale("en").languages
    for code in all_codes():
        names = {shown.get(code), english.get(code), Locale.parse(code).get_display_name(code)}
        for name in names:
            if name:
                keys.add((normalize(name), code))
    keys.update((alias, code) for alias, code in _ALIASES.items())
    return tuple(sorted(keys))


def search(query: str, locale: str, limit: int = 6) -> list[str]:
    """Codes whose name (localised, English or native) matches ``query``, best first.

    A name starting with the query wins; otherwise typo-tolerant similarity decides.
    """
    needle = normalize(query)
    if not needle:
        return []
    keys = _search_keys(locale)
    found: dict[str, float] = {}
    for key, code in keys:
        if key == needle or code == needle:
            found[code] = max(found.get(code, 0), 200.0)
        elif key.startswith(needle) or any(word.startswith(needle) for word in key.split()):
            found[code] = max(found.get(code, 0), 150.0 - len(key) / 10)
    if not found:
        # Typos only: keep the close matches, not everything vaguely similar.
        choices = [key for key, _code in keys]
        matches = process.extract(needle, choices, scorer=fuzz.ratio, limit=limit * 2)
        best = max((score for _m, score, _i in matches), default=0.0)
        for _match, score, index in matches:
            if score >= max(_FUZZY_MIN, best - 5):
                code = keys[index][1]
                found[code] = max(found.get(code, 0), float(score))
    return [code for code, _score in sorted(found.items(), key=lambda item: (-item[1], item[0]))][:limit]
