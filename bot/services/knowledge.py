"""The knowledge base: municipal questions answered from content files, with sources and as-of dates.

Telegram-free. Handlers call :func:`answer` with the user's text and locale and get an
:class:`AnswerResult`: the entries ranked best first with scores, whether the best one is sure
enough to present as the answer, and whether the message asks to start a request. Content lives in
``bot/knowledge/`` (format: its README.md); it is loaded and validated once per process.

Typical use in a handler::

    result = knowledge.answer(text, locale)
    if result.intent is Intent.INTAKE: offer the intake (/anfrage)
    if result.confident: show render_answer(result.best.entry, locale, placeholder_values(settings)),
        its sources (source_links_html) and entry.as_of.format(locale)
    else: say plainly that the bot is not sure; offer result.suggestions() as buttons and a handover
    "another answer": result.after(shown_entry_id)
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from bot.services.intent import Intent, IntentDetector
from bot.services.knowledge_cache import saved_or_built
from bot.services.knowledge_checks import PLACEHOLDERS
from bot.services.knowledge_classifier import OUTSIDE, EntryClassifier
from bot.services.knowledge_decision import (
    CONFIDENCE_THRESHOLD,
    SUGGESTION_FLOOR,
    Match,
    Outcome,
    decide,
)
from bot.services.knowledge_loader import load_entries, load_lexicon
from bot.services.knowledge_model import LANGUAGES, Entry, Lexicon, Source
from bot.services.knowledge_placeholders import fill, placeholder_values, source_url
from bot.services.knowledge_yaml import KnowledgeError
from bot.services.retrieval import LanguageIndex, Scored
from bot.services.text_analysis import Analyzer, words

__all__ = [
    "CONFIDENCE_THRESHOLD",
    "CONTENT_DIR",
    "PLACEHOLDERS",
    "SUGGESTION_FLOOR",
    "AnswerResult",
    "Entry",
    "Intent",
    "KnowledgeBase",
    "KnowledgeError",
    "Match",
    "Outcome",
    "answer",
    "fill",
    "knowledge_base",
    "load_knowledge",
    "placeholder_values",
    "render_answer",
    "source_links_html",
    "source_url",
]

CONTENT_DIR = Path(__file__).resolve().parent.parent / "knowledge"


@dataclass(frozen=True)
class AnswerResult:
    """What the knowledge base says about one question."""

    question: str
    locale: str
    matches: tuple[Match, ...]  # best first; ties broken by the entries' order in the content
    outcome: Outcome
    intent: Intent
    threshold: float

    @property
    def confident(self) -> bool:
        """Whether matches[0] may be presented as the answer."""
        return self.outcome is Outcome.ANSWER

    @property
    def best(self) -> Match | None:
        """The answer to present, or None when the bot is not sure (then use :meth:`suggestions`)."""
        return self.matches[0] if self.confident and self.matches else None

    def clarifications(self) -> tuple[Match, ...]:
        """The two or three entries to offer as "Did you mean …?" (empty unless the outcome is CLARIFY)."""
        return self.suggestions() if self.outcome is Outcome.CLARIFY else ()

    def suggestions(self, limit: int = 3) -> tuple[Match, ...]:
        """The closest entries worth offering as buttons (also when not confident)."""
        return tuple(m for m in self.matches if m.score >= SUGGESTION_FLOOR)[:limit]

    def after(self, entry_id: str) -> Match | None:
        """The next-best match after ``entry_id`` (for "another answer"), or None when none is left.

        An id that is not ranked (e.g. the content changed since) gives the best match.
        """
        ids = [m.entry.id for m in self.matches]
        if entry_id not in ids:
            return self.matches[0] if self.matches else None
        rest = self.matches[ids.index(entry_id) + 1 :]
        return rest[0] if rest and rest[0].score >= SUGGESTION_FLOOR else None


class KnowledgeBase:
    """Validated entries plus one search index and intent detector per language."""

    def __init__(self, entries: tuple[Entry, ...], lexicon: Lexicon, places: Iterable[str] = ()) -> None:
        """Index the entries per language for search and intent detection."""
        self.entries = entries
        self._lexicon = lexicon
        self._places = tuple(places)
        self._by_id = {entry.id: entry for entry in entries}
        place_words = frozenset(self._places)
        self._indexes: dict[str, LanguageIndex] = {}
        self._intents: dict[str, IntentDetector] = {}
        self._classifiers: dict[str, EntryClassifier] = {}
        for language in LANGUAGES:
            analyzer = Analyzer(
                language,
                lexicon.stopwords.get(language, ()),
                lexicon.synonyms.get(language, ()),
                place_words,
                wordforms=lexicon.wordforms.get(language),
                weak=lexicon.weak.get(language, ()),
            )
            self._indexes[language] = LanguageIndex(analyzer, entries)
            self._intents[language] = IntentDetector(analyzer, lexicon)
            self._classifiers[language] = EntryClassifier(
                analyzer, entries, lexicon.outside.get(language, ())
            )

    def extended(self, extra: Iterable[Entry]) -> KnowledgeBase:
        """A new knowledge base with ``extra`` entries after these (e.g. the team's chat-made entries)."""
        return KnowledgeBase((*self.entries, *extra), self._lexicon, self._places)

    def get(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None (e.g. an id stored before the entry was removed)."""
        return self._by_id.get(entry_id)

    def answer(
        self, question: str, locale: str, threshold: float = CONFIDENCE_THRESHOLD, limit: int = 5
    ) -> AnswerResult:
        """Rank the entries for ``question``: the user's language first, the other one as fallback."""
        primary = locale if locale in LANGUAGES else LANGUAGES[0]
        ranked = self._rank(self._indexes[primary].score(question), primary)
        intent = self._intents[primary].detect(question)
        if not ranked or ranked[0].score < threshold:
            # People write German in an English chat and the other way round: try the other language.
            for other in (lang for lang in LANGUAGES if lang != primary):
                ranked = self._merge(ranked, self._rank(self._indexes[other].score(question), other))
                if intent is Intent.NONE:
                    intent = self._intents[other].detect(question)
        if ranked:
            # The classifier of the language the words matched in orders the entries that share
            # words with the question; the lexical checks then decide whether the first is sure.
            probabilities = self._classifiers[ranked[0].language].probabilities(question)
            outside = probabilities.get(OUTSIDE, 0.0)
            ranked.sort(key=lambda m: (-probabilities.get(m.entry.id, 0.0), -m.score))
            # Only the matches kept get their probabilities: copying every one took a tenth of the time.
            ranked = [
                replace(m, probability=probabilities.get(m.entry.id, 0.0), outside=outside)
                for m in ranked[:limit]
            ]
        matches = tuple(ranked[:limit])
        return AnswerResult(question, primary, matches, decide(matches, threshold), intent, threshold)

    def _rank(self, scored: list[Scored], language: str) -> list[Match]:
        """Scored entries as matches, best first."""
        ordered = sorted(scored, key=lambda s: (-s.score, s.index))
        return [
            Match(
                self.entries[s.index],
                s.score,
                language,
                s.phrasing,
                s.missing,
                s.unknown,
                s.uncovered,
                vague=s.vague,
                heaviest_uncovered=s.heaviest_uncovered,
            )
            for s in ordered
            if s.score > 0
        ]

    def _merge(self, first: list[Match], second: list[Match]) -> list[Match]:
        """Two match lists as one, keeping each entry's best score."""
        best: dict[str, Match] = {}
        for match in (*first, *second):
            kept = best.get(match.entry.id)
            if kept is None or match.score > kept.score:
                best[match.entry.id] = match
        order = {entry.id: i for i, entry in enumerate(self.entries)}
        return sorted(best.values(), key=lambda m: (-m.score, order[m.entry.id]))


def load_knowledge(entries_dir: Path | None = None, lexicon_dir: Path | None = None) -> KnowledgeBase:
    """Load and validate a knowledge base (default: the shipped content); raises KnowledgeError."""
    entries = load_entries(entries_dir or CONTENT_DIR / "entries")
    lexicon = load_lexicon(lexicon_dir or CONTENT_DIR / "lexicon")
    return KnowledgeBase(entries, lexicon, _place_words())


@cache
def knowledge_base() -> KnowledgeBase:
    """The shipped knowledge base, loaded once per process (call it at start-up to fail early);
    a copy saved by an earlier start with the same files is used when there is one."""
    return saved_or_built(load_knowledge, KnowledgeBase, apart=f"{__name__}:save_knowledge_base")


def save_knowledge_base() -> None:
    """Build the shipped knowledge base and save it in the cache folder (a cold start runs this in
    a child process, see :mod:`bot.services.knowledge_cache`)."""
    saved_or_built(load_knowledge, KnowledgeBase)


def answer(question: str, locale: str) -> AnswerResult:
    """Answer ``question`` from the shipped knowledge base in ``locale`` ("de" or "en")."""
    return knowledge_base().answer(question, locale)


def render_answer(entry: Entry, locale: str, values: Mapping[str, str]) -> str:
    """The entry's answer in ``locale`` as Telegram HTML, placeholders filled."""
    return fill(entry.text(locale).answer, values)


def source_links_html(entry: Entry, values: Mapping[str, str], separator: str = " · ") -> str:
    """The entry's sources as Telegram HTML links, e.g. for "Quelle: …" under an answer."""
    return separator.join(_source_html(source, values) for source in entry.sources)


def _source_html(source: Source, values: Mapping[str, str]) -> str:
    """One source as a link, or as plain text when it has no address (the programme team itself)."""
    if not source.url:
        return html.escape(source.label)
    return f'<a href="{html.escape(source_url(source, values), quote=True)}">{html.escape(source.label)}</a>'


@cache
def _place_words() -> frozenset[str]:
    """Words of Baden-Württemberg's place names (Gemeinden, Kreise, Regionen), at least 3 letters."""
    from bot.regions.registry import get_registry

    registry = get_registry()
    names = [g.name for g in registry.gemeinden] + [k.name for k in registry.kreise]
    names += [r.name for r in registry.regionen]
    return frozenset(word for name in names for word in words(name) if len(word) >= 3)
