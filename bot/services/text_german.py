"""German word building the Snowball stemmer leaves alone: compounds, participles, separable verbs.

All functions but :func:`without_umlauts` and :func:`lower_case_words` work on folded words
(lower case, no umlauts, see text_analysis.fold) and only propose candidates; the analyzer keeps a
candidate when the knowledge base knows it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Linking letters between the parts of a compound: Beratung-s-kosten, Städte-partnerschaft.
_LINKS = ("", "s", "es", "n", "en", "e", "er")
PART_MIN = 3
# Particles of separable verbs ("melden … an", "ziehen … zurück"), longest first. Folded.
PARTICLES = (
    "zusammen", "zuruck", "weiter", "nach", "fest", "teil", "ab", "an", "auf", "aus", "bei",
    "ein", "her", "hin", "los", "mit", "vor", "weg", "zu", "um",
)  # fmt: skip
QUESTION_WORDS = frozenset(
    {"wie", "wo", "wer", "wen", "wem", "was", "wann", "warum", "wieso", "weshalb", "wozu", "woher"}
    | {"womit", "wofur", "worum", "woran", "wobei"}
)
# Question words followed by a noun before the verb: "Welche Themen deckt …", "Wie viele Kommunen …".
_WITH_NOUN = frozenset({"welche", "welcher", "welches", "welchen", "wieviele", "wieviel"})
# A word: a run of letters or digits (no underscore); the analyzer splits text the same way.
WORD = re.compile(r"[^\W_]+")


def split_compound(word: str, is_part: Callable[[str], bool], depth: int = 0) -> list[str] | None:
    """The parts of a compound ("beratungskosten" → ["beratung", "kosten"]), or None.

    Prefers the fewest parts, then a long last part: the last part of a German compound carries
    its meaning (a Städtepartnerschaft is a Partnerschaft).
    """
    if len(word) < 2 * PART_MIN + 1 or depth > 2:
        return None
    best: list[str] | None = None
    for cut in range(PART_MIN, len(word) - PART_MIN + 1):
        head, tail = word[:cut], word[cut:]
        if not is_part(head):
            continue
        for link in _LINKS:
            if not tail.startswith(link) or len(tail) - len(link) < PART_MIN:
                continue
            rest = tail[len(link) :]
            candidate = [head, rest] if is_part(rest) else None
            if candidate is None and (sub := split_compound(rest, is_part, depth + 1)):
                candidate = [head, *sub]
            if candidate and (best is None or _preference(candidate) < _preference(best)):
                best = candidate
    return best


def _preference(parts: list[str]) -> tuple[int, int]:
    """Sort key for compound splits: fewer parts, then a longer last part."""
    return len(parts), -len(parts[-1])


def verb_forms(word: str) -> list[str]:
    """``word`` and the infinitive it may come from: "umgeht" → umgeht, umgehen; "melde" → melde, melden."""
    forms = [word]
    if word.endswith("st") and len(word) > 4:
        forms.append(word[:-2] + "en")
    elif word.endswith("t"):
        forms.append(word[:-1] + "en")
    elif word.endswith("e"):
        forms.append(word + "n")
    return forms


def participle_bases(word: str) -> list[str]:
    """Forms a participle may come from: "gesucht" → sucht, suchen; "mitgemacht" → mitmacht, mitmachen."""
    bases: list[str] = []
    for particle in ("", *PARTICLES):
        start = particle + "ge"
        if word.startswith(start) and len(word) - len(start) >= 3:
            bases.extend(verb_forms(particle + word[len(start) :]))
    return bases


def separable_verb(words: list[str]) -> tuple[int, list[str]] | None:
    """(position of the finite verb, forms of particle + verb) when a question ends in a particle.

    "wie melde ich mich an" → (1, ["anmelde", "anmelden"]): German puts the finite verb first or
    right after the question word (and its noun), and its particle last.
    """
    if len(words) < 3 or words[-1] not in PARTICLES:
        return None
    if words[0] in _WITH_NOUN:
        position = 2
    elif words[:2] in (["wie", "viele"], ["wie", "viel"]):
        position = 3
    else:
        position = 1 if words[0] in QUESTION_WORDS else 0
    if position >= len(words) - 1:
        return None
    return position, verb_forms(words[-1] + words[position])


def without_umlauts(word: str) -> str:
    """A lower-case word as typed on a keyboard without umlauts ("für" → "fuer", "groß" → "gross")."""
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        word = word.replace(umlaut, spelled)
    return word


def lower_case_words(text: str) -> frozenset[str]:
    """Words written in lower case, if ``text`` capitalises nouns at all (a word after the first):
    in German, verbs and adjectives. Works on the text as written, not on folded words."""
    raw = WORD.findall(unicodedata.normalize("NFKC", text))
    if not any(word[:1].isupper() for word in raw[1:]):
        return frozenset()  # all lower case (or one word): no signal
    return frozenset(word for word in raw if word.islower())
