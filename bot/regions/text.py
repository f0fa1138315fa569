"""Place names as comparable text: lowercase, umlauts folded, ß→ss, punctuation dropped.

Two views of the same text: :func:`normalize` gives one plain key ("esslingen am neckar"), and
:func:`words` keeps what the punctuation said, which word was abbreviated ("a.N." → "a", "n", both
shortened) and which was written in capitals ("VS"), for matching names as clerks write them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

UMLAUTS_AE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
UMLAUTS_PLAIN = str.maketrans({"ä": "a", "ö": "o", "ü": "u"})

_SANKT = re.compile(r"\bst\b\.?")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# A word and whether a full stop follows it ("br." in "i. Br.").
_WORD = re.compile(r"([a-z0-9]+)(\.)?")
# Words written all in capitals, two or three letters: initials such as "VS" or "LE".
_CAPITALS = re.compile(r"(?<![^\W\d_])[A-ZÄÖÜ]{2,3}(?![^\W\d_])")


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a query: its normalised text, whether it is shortened ("N.", "Schw.", or a
    single letter) and whether it was written as capital initials ("VS")."""

    text: str
    abbreviated: bool = False
    initials: bool = False
    separated: bool = False


def normalize(text: str) -> str:
    """Lowercase, umlauts as "ae/oe/ue", ß→ss, "St." → "sankt", only letters, digits, single spaces."""
    return fold(text, UMLAUTS_AE)


def _folded(text: str, umlauts: dict[int, str]) -> str:
    """``text`` in lower case with umlauts spelled out and accents dropped."""
    # casefold turns ß into "ss"; NFKD afterwards strips other accents (é → e).
    folded = unicodedata.normalize("NFC", text).casefold().translate(umlauts)
    folded = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return folded


def fold(text: str, umlauts: dict[int, str]) -> str:
    """The plain key of ``text`` with the given umlaut folding (see :func:`normalize`)."""
    return _NON_ALNUM.sub(" ", _SANKT.sub("sankt ", _folded(text, umlauts))).strip()


def variants(text: str) -> tuple[str, ...]:
    """Both umlaut foldings: names are typed as "Tuebingen" and as "Tubingen"."""
    return tuple(dict.fromkeys((fold(text, UMLAUTS_AE), fold(text, UMLAUTS_PLAIN))))


def words(text: str, umlauts: dict[int, str]) -> tuple[Word, ...]:
    """The words of ``text`` as :func:`fold` splits them, each marked as shortened or initials.

    A word is shortened when a full stop follows it, when it is a single letter ("a N" for "am
    Neckar") or when it is "St" (Sankt or Stadt: the shortening decides, see ``written_forms``).
    """
    capitals = {fold(match, umlauts) for match in _CAPITALS.findall(unicodedata.normalize("NFC", text))}
    folded = _folded(text, umlauts)
    found: list[Word] = []
    for match in _WORD.finditer(folded):
        word, stop = match.group(1), match.group(2)
        shortened = bool(stop) or (len(word) == 1 and word.isalpha()) or word == "st"
        before = folded[: match.start()].rstrip()
        found.append(
            Word(
                word,
                abbreviated=shortened,
                initials=word in capitals,
                separated=before.endswith(("/", "(", "-", ",")),
            )
        )
    return tuple(found)
