"""Turn what people write in a spreadsheet into profile values: language codes, Kreis AGS,
Regierungsbezirk keys, a home Gemeinde AGS and topic keys. Messages are English (CLI output)."""

from __future__ import annotations

import re

from babel import Locale

from bot.regions import Gemeinde, Kreis, get_registry, search
from bot.services import languages
from bot.services.advisors import ADVISOR_TOPICS
from bot.services.geography import regierungsbezirk_names

_SEPARATORS = re.compile(r"[,;|\n]+")
_BEZIRK_PREFIX = re.compile(r"^(?:regierungsbezirk|reg\.?\s*-?\s*bez\.?|regbez|rb)\s+(.+)$", re.IGNORECASE)
# What people call the topics (German and English) → the intake's keys.
TOPIC_NAMES: dict[str, str] = {
    **{key: key for key in ADVISOR_TOPICS},
    "fest": "festival",
    "faire woche": "festival",
    "fair week": "festival",
    "partnerschaft": "partnership",
    "partnerschaften": "partnership",
    "staedtepartnerschaft": "partnership",
    "agenda 2030": "agenda2030",
    "sdg": "agenda2030",
    "sdgs": "agenda2030",
    "fair trade": "fairtrade",
    "fairer handel": "fairtrade",
    "fairtrade town": "fairtrade",
    "netzwerk": "networks",
    "netzwerke": "networks",
    "vernetzung": "networks",
    "flucht": "flight",
    "fluchtursachen": "flight",
    "causes of flight": "flight",
}


class ValueProblem(ValueError):
    """A value that cannot be used, with the reason."""

    def __init__(self, value: str, message: str) -> None:
        """A value that cannot be used, with the reason."""
        super().__init__(f"{value}: {message}")
        self.value, self.message = value, message


def split_list(cell: str) -> list[str]:
    """The items of a list cell ("tr, ar; fa" → ["tr", "ar", "fa"])."""
    return [item.strip() for item in _SEPARATORS.split(cell) if item.strip()]


def _names(code: str) -> set[str]:
    """The names a language is known by (German, English and its own)."""
    found = {Locale(locale).languages.get(code) for locale in ("de", "en")}
    try:
        found.add(Locale.parse(code).get_display_name(code))
    except (ValueError, TypeError):
        pass
    return {languages.normalize(name) for name in found if name}


def resolve_language(item: str) -> str:
    """A language code from a code ("tr") or a name in German, English or the language itself."""
    code = item.strip().lower().replace("-", "_")
    if languages.is_known(code):
        return code
    found = languages.search(item, "de")
    wanted = languages.normalize(item)
    exact = [c for c in found if wanted in _names(c)]
    if exact:
        return exact[0]
    hint = f"; did you mean {', '.join(found[:3])}?" if found else ""
    raise ValueProblem(item, f"unknown language (write its ISO code or its name){hint}")


def resolve_languages(cell: str) -> list[str]:
    """Every language of a cell, as codes, without repeats."""
    return list(dict.fromkeys(resolve_language(item) for item in split_list(cell)))


def _fold(text: str) -> str:
    """A name as profile values are compared (case, umlauts and spaces folded)."""
    return " ".join(text.casefold().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})).split())


def _bezirk_key(item: str) -> str | None:
    """The Regierungsbezirk key a name or key stands for, None if none."""
    names = regierungsbezirk_names()
    if item in names:
        return item
    matched = _BEZIRK_PREFIX.match(item.strip())
    if matched is None:
        return None
    wanted = _fold(matched.group(1))
    key = next((k for k, name in names.items() if _fold(name) == wanted), None)
    if key is None:
        raise ValueProblem(item, f"unknown Regierungsbezirk; expected one of {', '.join(names.values())}")
    return key


def _place(item: str) -> Gemeinde | Kreis:
    """The Gemeinde or Kreis a name stands for, or a ValueProblem."""
    result = search(item)
    if result.match is not None:
        return result.match
    if result.ambiguous:
        choices = "; ".join(c.label for c in result.choices[:4])
        raise ValueProblem(item, f"ambiguous, write one of: {choices}")
    hint = f"; did you mean {result.best.label}?" if result.best is not None else ""
    raise ValueProblem(item, f"not found in Baden-Württemberg{hint}")


def resolve_area(cell: str) -> tuple[list[str], list[str]]:
    """(Kreis AGS, Regierungsbezirk keys) of a served-area cell.

    "RB Tübingen" / "Regierungsbezirk Tübingen" or a key such as "084" is a Regierungsbezirk;
    anything else names a Kreis ("Landkreis Tübingen", "08416"); a town ("Ulm") stands for its
    Kreis, so write "Landkreis Heilbronn" when the Landkreis around a Stadtkreis is meant.
    """
    kreise: list[str] = []
    bezirke: list[str] = []
    for item in split_list(cell):
        key = _bezirk_key(item)
        if key is not None:
            bezirke.append(key)
            continue
        kreis = get_registry().kreis(item) if item.isdigit() else None
        place = kreis or _place(item)
        kreise.append(place.kreis_ags if isinstance(place, Gemeinde) else place.ags)
    return list(dict.fromkeys(kreise)), list(dict.fromkeys(bezirke))


def resolve_home(cell: str) -> str | None:
    """The AGS of the home Gemeinde (name, "72070 Tübingen" or AGS); None for an empty cell."""
    if not cell.strip():
        return None
    place = _place(cell.strip())
    if isinstance(place, Kreis):
        raise ValueProblem(cell, "this is a Kreis; the home must be a town or Gemeinde")
    return place.ags


def resolve_topics(cell: str) -> list[str]:
    """Topic keys from keys or common German/English names."""
    topics: list[str] = []
    for item in split_list(cell):
        key = TOPIC_NAMES.get(_fold(item).replace("-", " "))
        if key is None:
            raise ValueProblem(item, f"unknown topic; expected one of {', '.join(ADVISOR_TOPICS)}")
        topics.append(key)
    return list(dict.fromkeys(topics))
