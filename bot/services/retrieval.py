"""Ranking knowledge-base entries for a question in one language.

Each entry is indexed by its question phrasings and title (each on its own) and by a bag of all its
words including keywords. A question's terms are weighted by how rare they are among entries (idf);
a word the content does not know counts as rare, so an off-topic question with one lucky word
("capital" of France) still covers little of its own weight. The score of an entry, in [0, 1]:

    0.6 · best phrasing's F1 (question weight matched vs. phrasing weight matched)
  + 0.4 · share of the question's weight found anywhere in the entry
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.services.knowledge_model import Entry
from bot.services.text_analysis import Analyzer, Term

PHRASING_WEIGHT = 0.6
BAG_WEIGHT = 1.0 - PHRASING_WEIGHT
# A word found only in an entry's answer text counts this much of a word in its phrasings.
ANSWER_QUALITY = 0.5
# Weight of a weak word ("Zeit", "time"): like a word that half of the entries contain.
WEAK_IDF = math.log(1.5)
# A question must match at least this much weight (about one specific word) for a full score;
# "What time is it?" matches only a weak word and so stays low however well it covers itself.
MIN_EVIDENCE = 1.2
UNKNOWN_FACTOR = 1.5
# An unknown German verb or adjective (see Term.minor) weighs this share of an unknown noun.
MINOR_FACTOR = 0.5
# The phrasing score weighs recall this many times as much as precision (F-beta).
BETA = 2.0


@dataclass(frozen=True)
class Scored:
    """One entry's score for a question in one language, with the phrasing that fitted best."""

    index: int  # position of the entry in the knowledge base
    score: float
    phrasing: str | None


@dataclass(frozen=True)
class _Phrasing:
    text: str
    terms: frozenset[str]
    weight: float  # sum of the terms' idf


class LanguageIndex:
    """The index of every entry's text in one language."""

    def __init__(self, analyzer: Analyzer, entries: Sequence[Entry]) -> None:
        self.analyzer = analyzer
        self.language = analyzer.language
        texts = [entry.text(self.language) for entry in entries]
        analyzer.learn(
            piece for text in texts for piece in (text.title, *text.questions, *text.keywords, text.answer)
        )
        term_sets: list[list[tuple[str, frozenset[str]]]] = []
        bags: list[frozenset[str]] = []
        answer_bags: list[frozenset[str]] = []
        for text in texts:
            phrasings = [(q, self._content_terms(q)) for q in dict.fromkeys((text.title, *text.questions))]
            keyword_terms = {t for k in text.keywords for t in self._content_terms(k)}
            term_sets.append(phrasings)
            bags.append(frozenset({t for _, terms in phrasings for t in terms} | keyword_terms))
            answer_bags.append(self._content_terms(text.answer) - bags[-1])
        count = len(entries)
        document_frequency: dict[str, int] = {}
        for bag, answer_bag in zip(bags, answer_bags, strict=True):
            for term in bag | answer_bag:
                document_frequency[term] = document_frequency.get(term, 0) + 1
        self._idf = {term: math.log(1 + count / df) for term, df in document_frequency.items()}
        for term in analyzer.weak:
            self._idf[term] = min(self._idf.get(term, WEAK_IDF), WEAK_IDF)
        # A word no entry has weighs more than the rarest known word: it names something the
        # knowledge base does not cover ("Reisepass" in "Wie beantrage ich einen Reisepass?").
        self.unknown_weight = UNKNOWN_FACTOR * math.log(1 + count)
        self._bags = bags
        self._answer_bags = answer_bags
        self._phrasings = [
            [_Phrasing(q, terms, sum(self._idf[t] for t in terms)) for q, terms in phrasings if terms]
            for phrasings in term_sets
        ]
        self._postings: dict[str, list[int]] = {}
        for position, bag in enumerate(bags):
            for term in bag | answer_bags[position]:
                self._postings.setdefault(term, []).append(position)

    def _content_terms(self, text: str) -> frozenset[str]:
        return frozenset(term.stem for term in self.analyzer.terms(text, content=True))

    def query_terms(self, question: str) -> dict[str, tuple[float, float]]:
        """Each distinct term of ``question`` with (weight, match quality)."""
        found: dict[str, tuple[float, float]] = {}
        for term in self.analyzer.terms(question):
            weight = self._weight(term)
            previous = found.get(term.stem)
            if previous is None or previous[1] < term.quality:
                found[term.stem] = (weight, term.quality)
        return found

    def _weight(self, term: Term) -> float:
        if term.stem in self._idf:
            return self._idf[term.stem]
        return self.unknown_weight * (MINOR_FACTOR if term.minor else 1.0)

    def score(self, question: str) -> list[Scored]:
        """Every entry sharing a term with ``question``, scored (unsorted)."""
        terms = self.query_terms(question)
        total = sum(weight for weight, _ in terms.values())
        if total <= 0:
            return []
        candidates = sorted({p for term in terms for p in self._postings.get(term, ())})
        results: list[Scored] = []
        for position in candidates:
            bag, answer_bag = self._bags[position], self._answer_bags[position]
            matched = {t: w * q for t, (w, q) in terms.items() if t in bag}
            in_answer = sum(w * q * ANSWER_QUALITY for t, (w, q) in terms.items() if t in answer_bag)
            bag_recall = (sum(matched.values()) + in_answer) / total
            best_f, best_text = 0.0, None
            for phrasing in self._phrasings[position]:
                overlap = phrasing.terms.intersection(matched)
                if not overlap:
                    continue
                recall = sum(matched[t] for t in overlap) / total
                precision = sum(self._idf[t] for t in overlap) / phrasing.weight
                f_beta = (1 + BETA**2) * recall * precision / (BETA**2 * precision + recall)
                if f_beta > best_f:
                    best_f, best_text = f_beta, phrasing.text
            evidence = min(1.0, bag_recall * total / MIN_EVIDENCE)
            score = (PHRASING_WEIGHT * best_f + BAG_WEIGHT * bag_recall) * evidence
            results.append(Scored(position, round(score, 6), best_text))
        return results
