"""Which keys a place can be found by, and the words around a name that are not part of it.

Every Gemeinde has its full name plus short forms ("Freiburg" for Freiburg im Breisgau,
"Villingen" for Villingen-Schwenningen); Landkreise have their name and the name without "kreis".
"""

from __future__ import annotations

import re
from enum import Enum

from bot.regions.text import variants

# "Rheinfelden (Baden)", "Lahr/Schwarzwald": the part people leave out.
_QUALIFIER = re.compile(r"\s*(\(.*\)|/.*)$")
# "Freiburg im Breisgau", "Biberach an der Riß", "Kirchheim unter Teck", "Weil der Stadt".
_LOCATION_SUFFIX = re.compile(r"\s+(am|an|im|in|ob|bei|auf|unter|vor|zu|der)\s.+$")
KREIS_SUFFIX = re.compile(r"[\s-]*kreis$", re.IGNORECASE)

# Normalised leading words that say which kind of body is meant; they are not part of a name.
KREIS_PREFIXES = ("landratsamt", "landkreis", "kreis", "lkr", "lra", "lk")
GEMEINDE_PREFIXES = (
    "grosse kreisstadt",
    "landeshauptstadt",
    "universitaetsstadt",
    "stadtverwaltung",
    "gemeindeverwaltung",
    "buergermeisteramt",
    "stadtkreis",
    "gemeinde",
    "stadt",
)
# Dropped anywhere so that a label typed back ("Talheim, Landkreis Heilbronn") finds its key.
_FILLER_WORDS = frozenset({"landkreis", "kreis", "lk", "lkr", "stadtkreis"})

# Well-known places outside BW that are one typo away from a BW name ("Basel" → Hasel,
# "Memmingen" → Hemmingen) or part of one (Bodman-Ludwigshafen). Found by running Germany's
# large cities and the neighbours of BW through the matcher. For these only an exact BW name counts.
_OUTSIDE_BW_NAMES = (
    "Basel",
    "Göttingen",
    "Hanau",
    "Ludwigshafen",
    "Memmingen",
    "Mülhausen",
    "Salzburg",
    "Straßburg",
)
OUTSIDE_BW = frozenset(key for name in _OUTSIDE_BW_NAMES for key in variants(name))


class KeyKind(Enum):
    """How a key names its place."""

    FULL = "full"  # the full name
    SHORT = "short"  # a short form of the name
    LABEL = "label"  # "<name> <kreis>", only for names shared by several places


def short_forms(name: str) -> set[str]:
    """Ways people shorten a Gemeinde name, e.g. "Villingen-Schwenningen" → Villingen, Schwenningen."""
    forms = {name}
    pending = [name]
    while pending:
        current = pending.pop()
        shorter = {
            _QUALIFIER.sub("", current),
            _LOCATION_SUFFIX.sub("", current),
            # "Friedrichshall", "Gmünd": the leading word that says what kind of town it is.
            current.removeprefix("Bad "),
            current.removeprefix("Schwäbisch "),
        }
        if "-" in current:
            # Double names from mergers: each part is an everyday name of its own.
            shorter.update(current.split("-"))
        for form in shorter:
            form = form.strip()
            if len(form) >= 2 and form not in forms:
                forms.add(form)
                pending.append(form)
    forms.discard(name)
    return forms


def without_fillers(key: str) -> str:
    """The key without "Landkreis", "Kreis", "LK" and the like wherever they stand."""
    return " ".join(word for word in key.split() if word not in _FILLER_WORDS)


def typo_tolerance(length: int) -> int:
    """How many typos a key of this length may carry and still be a confident match."""
    # Short names get no typos: "Au", "Ulm" or "Berg" are one letter away from too much.
    # More than one typo only in long names: two edits turn "Darmstadt" into "Dornstadt" and
    # "Regensburg" into "Ravensburg", so mid-length names would match places outside BW.
    if length < 5:
        return 0
    if length < 12:
        return 1
    return 2


def strip_prefix(text: str, prefixes: tuple[str, ...]) -> str | None:
    """``text`` without the first of ``prefixes`` it starts with (as whole words), else None."""
    for prefix in prefixes:
        if text.startswith(prefix + " ") and len(text) > len(prefix) + 1:
            return text[len(prefix) + 1 :]
    return None
