"""The knowledge base's data: entries with their texts per language, sources, as-of dates, and the lexicon.

Plain frozen dataclasses, built by :mod:`bot.services.knowledge_loader` after validation, so every
instance here is known to be complete and well-formed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from babel.dates import format_date, format_skeleton

LANGUAGES: tuple[str, ...] = ("de", "en")


class Precision(StrEnum):
    """How much of an as-of date the content gave: ``2022``, ``2020-12`` or ``2020-12-31``."""

    YEAR = "year"
    MONTH = "month"
    DAY = "day"


@dataclass(frozen=True)
class AsOf:
    """The "Stand" of an entry: the date its facts describe, as precise as the sources are."""

    date: date
    precision: Precision

    def format(self, locale: str) -> str:
        """Localised for display: "2022", "Dezember 2020" / "December 2020", "31. Dezember 2020"."""
        if self.precision is Precision.YEAR:
            return str(self.date.year)
        if self.precision is Precision.MONTH:
            return format_skeleton("yMMMM", self.date, locale=locale)
        return format_date(self.date, format="long", locale=locale)

    def __str__(self) -> str:
        """The date as precisely as it is known (year, month or day)."""
        if self.precision is Precision.YEAR:
            return f"{self.date.year:04d}"
        if self.precision is Precision.MONTH:
            return f"{self.date.year:04d}-{self.date.month:02d}"
        return self.date.isoformat()


@dataclass(frozen=True)
class Source:
    """Where an answer comes from. ``url`` may be a URL placeholder such as ``{privacy_url}``."""

    url: str
    title: str | None = None

    @property
    def label(self) -> str:
        """The title, or the URL's host without ``www.`` when the content gave none."""
        if self.title:
            return self.title
        host = urlsplit(self.url).hostname or self.url
        return host.removeprefix("www.")


@dataclass(frozen=True)
class EntryText:
    """One language's side of an entry."""

    title: str
    questions: tuple[str, ...]
    # Telegram HTML (<b>, <i>, <a href>) that may contain {placeholders}; see knowledge.render_answer.
    answer: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entry:
    """One question-and-answer entry in German and English."""

    id: str
    topic: str  # the content file's name without .yaml, e.g. "funding"
    as_of: AsOf
    sources: tuple[Source, ...]
    texts: dict[str, EntryText] = field(hash=False, compare=False)
    file: Path = field(hash=False, compare=False)
    line: int = 0

    def text(self, locale: str) -> EntryText:
        """The text in ``locale``; else German, else whichever language the entry has."""
        return self.texts.get(locale) or self.texts.get(LANGUAGES[0]) or next(iter(self.texts.values()))


@dataclass(frozen=True)
class Lexicon:
    """Language knowledge the search uses, from the content folder's ``lexicon/`` files.

    Every mapping is keyed by language. ``synonyms[lang]`` is a tuple of groups; the first word or
    phrase of a group is what the others count as. ``intake_*`` lists are the words that mark a
    wish to request a kickoff talk.
    """

    stopwords: dict[str, frozenset[str]] = field(default_factory=dict)
    # Words too general to carry a match alone ("Zeit", "time"): they count like common words.
    weak: dict[str, frozenset[str]] = field(default_factory=dict)
    # Word forms the stemmer would merge but that mean different things (Berater vs. Beratung):
    # folded word form -> the search term it becomes.
    wordforms: dict[str, dict[str, str]] = field(default_factory=dict)
    synonyms: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    # Questions no entry answers ("Wie beantrage ich Wohngeld?"): what the classifier learns as
    # lying outside the knowledge base.
    outside: dict[str, tuple[str, ...]] = field(default_factory=dict)
    intake_wish: dict[str, tuple[str, ...]] = field(default_factory=dict)
    intake_action: dict[str, tuple[str, ...]] = field(default_factory=dict)
    intake_object: dict[str, tuple[str, ...]] = field(default_factory=dict)
    intake_block: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Words that open a question ("Können auch …", "Which …"): such a message asks whether or who,
    # so it is a request only with a first-person wish from ``intake_request`` ("wir möchten").
    intake_question: dict[str, tuple[str, ...]] = field(default_factory=dict)
    intake_request: dict[str, tuple[str, ...]] = field(default_factory=dict)
