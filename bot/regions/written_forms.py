"""Names as clerks write them: "Esslingen a.N.", "Freiburg i. Br.", "Biberach/Riß", "VS-Villingen".

Official names are shortened by habit, and the habits follow a few rules rather than a list:

- a shortened word ("N.", "Br.", "Brsg.", "Schwäb.", "a.", a single letter) stands for a word of
  the name that starts with the same letter and holds its other letters in order: "N." Neckar,
  "Brsg." Breisgau, "Rh." Rhein, "Schw." Schwäbisch or Schwarzwald, "a." am/an, "d." der, "i." im,
  "St." Sankt or Stadt;
- the little words that tie a river or landscape to a name ("am", "an der", "im", "ob", "unter")
  may be left out, or a slash written instead: "Biberach/Riß", "Wernau a.N." for "Wernau (Neckar)";
- a title before or after the name is not part of it, written out or shortened: "Gde. Ammerbuch",
  "Stadtverw. Tübingen", "Tübingen Stadt";
- a double name may be written as its capital initials, alone or before one of its halves:
  "VS", "VS-Villingen" for Villingen-Schwenningen, "LE" for Leinfelden-Echterdingen;
- a name followed by a river, landscape or title its official name does not carry ("Mühlacker
  a. d. Enz", "Ulm/Donau", "Esslingen am Neckar, Stadt") still means the place: :func:`heads`
  gives the parts before it.

Words written out in full may carry the usual typos (see ``name_keys.typo_tolerance``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from functools import cache

from rapidfuzz.distance import OSA

from bot.regions.name_keys import typo_tolerance
from bot.regions.text import Word

# Words that tie a river, landscape or the like to a place name.
CONNECTORS = frozenset(
    {"am", "an", "auf", "bei", "der", "die", "dem", "den", "im", "in", "ob", "unter", "vor", "zu"}
)

# Words that say what kind of body a place is, before or after its name.
TITLES = frozenset(
    {
        "amt",
        "buergermeisteramt",
        "gemeinde",
        "gemeindeverwaltung",
        "grosse",
        "kreis",
        "kreisstadt",
        "landeshauptstadt",
        "landkreis",
        "landratsamt",
        "rathaus",
        "stadt",
        "stadtkreis",
        "stadtverwaltung",
        "universitaetsstadt",
    }
)


def shortens(short: str, word: str) -> bool:
    """Whether ``short`` can be a shortening of ``word``: the same first letter, then its other
    letters in order ("brsg" → breisgau, "schw" → schwaebisch, "st" → sankt and stadt)."""
    if not short or len(short) >= len(word) or short[0] != word[0]:
        return False
    rest = iter(word[1:])
    return all(letter in rest for letter in short[1:])


def _is_connector(word: Word) -> bool:
    """Whether the word is a connector such as "am" or "an der", possibly shortened."""
    if word.text in CONNECTORS:
        return True
    return word.abbreviated and any(shortens(word.text, c) for c in CONNECTORS if len(c) > 1)


def _is_title(word: Word) -> bool:
    """Whether the word is a title such as "Gemeinde" or "Stadt", possibly shortened."""
    if word.text in TITLES:
        return True
    # Titles are shortened to three letters or more ("Gde.", "Bgm."); "Rh." or "St." are not titles.
    return word.abbreviated and len(word.text) >= 3 and any(shortens(word.text, t) for t in TITLES)


def _says_something(word: Word) -> bool:
    """Whether a word narrows the places down: written out, or shortened to three letters or more,
    and neither a title nor a connector."""
    if _is_title(word) or _is_connector(word):
        return False
    return not word.abbreviated or len(word.text) >= 3


def _word_distance(word: Word, name_word: str) -> int | None:
    """0 when ``word`` is or shortens ``name_word``, the typo count when close enough, else None."""
    if word.text == name_word:
        return 0
    if word.abbreviated:
        return 0 if shortens(word.text, name_word) else None
    tolerance = typo_tolerance(len(name_word))
    if tolerance == 0 or abs(len(word.text) - len(name_word)) > tolerance:
        return None
    distance = OSA.distance(word.text, name_word, score_cutoff=tolerance)
    return distance if distance <= tolerance else None


def align(query: Sequence[Word], name: Sequence[str]) -> tuple[int, int] | None:
    """How well ``query`` reads as ``name``: (typos, query words left out), or None when it cannot.

    Every word of both must be accounted for: matched in order, a connector left out on either
    side, or a title before or after the name left out of the query. A query word left out counts
    against the reading ("Zell u.A." is Zell unter Aichelberg before it is any Zell); a connector
    the name has and the query lacks does not.
    """

    @cache
    def rest(i: int, j: int) -> tuple[int, int] | None:
        """The best alignment of the query from word ``i`` with the name from word ``j``."""
        if i == len(query) and j == len(name):
            return (0, 0)
        options: list[tuple[int, int]] = []
        if j < len(name) and name[j] in CONNECTORS and (skipped := rest(i, j + 1)) is not None:
            options.append(skipped)
        if i < len(query) and (skipped := rest(i + 1, j)) is not None:
            outside_name = j in (0, len(name)) and _is_title(query[i])
            if outside_name or _is_connector(query[i]):
                options.append((skipped[0], skipped[1] + 1))
        if i < len(query) and j < len(name):
            distance = _word_distance(query[i], name[j])
            if distance is not None and (after := rest(i + 1, j + 1)) is not None:
                options.append((distance + after[0], after[1]))
        return min(options, default=None)

    return rest(0, 0)


def heads(query: Sequence[Word]) -> list[tuple[Word, ...]]:
    """The query cut before a trailing river, landscape or title, longest first: "Esslingen am
    Neckar, Stadt" → "esslingen am neckar", "esslingen"; "Ulm/Donau" → "ulm"; empty when the
    query has no such tail."""
    return [
        tuple(query[:index])
        for index in range(len(query) - 1, 0, -1)
        if query[index].separated or _is_connector(query[index])
    ]


class WrittenForms:
    """Matches clerk-written queries against a set of name keys (normalised, space-separated)."""

    def __init__(self, keys: Iterable[str], initials: dict[str, tuple[str, ...]]) -> None:
        """Index the keys by first letter for abbreviated and initial forms."""
        # By first letter: a query's first word (shortened or not) keeps the first letter.
        self._by_letter: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
        for key in keys:
            self._by_letter[key[0]].append((key, tuple(key.split())))
        # Capital initials → the keys of the double names they stand for ("vs" → villingen schwenningen).
        self._initials = initials

    def find(self, query: Sequence[Word]) -> dict[str, int]:
        """The keys ``query`` reads as best, each with its typo count (empty when none fits)."""
        costs: dict[str, tuple[int, int]] = {}
        for words in self._readings(query):
            if not any(_says_something(word) for word in words):
                continue  # "S." or "Gde. B." alone could be a hundred places
            for key, name in self._candidates(words):
                cost = align(words, name)
                if cost is not None and (key not in costs or cost < costs[key]):
                    costs[key] = cost
        best = min(costs.values(), default=None)
        return {key: cost[0] for key, cost in costs.items() if cost == best}

    def _candidates(self, query: Sequence[Word]) -> Iterator[tuple[str, tuple[str, ...]]]:
        """The keys a query may abbreviate, by the first letter of its first real word."""
        # The name starts with the query's first word, or with a later one when only titles and
        # connectors come before it ("Gde. Ammerbuch").
        for word in query:
            yield from self._by_letter.get(word.text[0], ())
            if not (_is_title(word) or _is_connector(word)):
                return

    def _readings(self, query: Sequence[Word]) -> list[tuple[Word, ...]]:
        """The query as typed and with capital initials spelled out."""
        # "VS-Villingen": the initials are the whole name; a half repeated after them adds nothing.
        readings = [tuple(query)]
        for index, word in enumerate(query):
            for key in self._initials.get(word.text, ()) if word.initials else ():
                parts = key.split()
                after = [w for w in query[index + 1 :] if w.text not in parts]
                readings.append((*query[:index], *(Word(p) for p in parts), *after))
        return readings
