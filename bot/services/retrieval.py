"""Ranking knowledge-base entries for a question in one language.

Each entry is indexed by its question phrasings and title (each on its own) and by a bag of all its
words including keywords. A question's terms are weighted by how rare they are among entries (idf);
a word the content does not know counts as rare, so an off-topic question with one lucky word
("capital" of France) still covers little of its own weight. The score of an entry, in [0, 1]:

    0.6 · best phrasing's F1 (question weight matched vs. phrasing weight matched)
  + 0.4 · share of the question's weight found anywhere in the entry

Besides the score, each entry gets the question's *key words* it does not contain: specific words
(rare among the entries, or unknown to all of them) that say what the question is about. An entry
missing one ("Sprachen" for an entry on choosing an advisor) must not be given as the answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.services.knowledge_model import Entry
from bot.services.text_analysis import Analyzer, Term, words

PHRASING_WEIGHT = 0.6
BAG_WEIGHT = 1.0 - PHRASING_WEIGHT
_SENTENCE = re.compile(r"[.!?:;\n]+")
_WORD = re.compile(r"[^\W\d_][\w*:-]*")
# A word found only in an entry's answer text counts this much of a word in its phrasings.
ANSWER_QUALITY = 0.5
# Weight of a weak word ("Zeit", "time"): like a word that half of the entries contain.
WEAK_IDF = math.log(1.5)
# A question must match at least this much weight (about one specific word) for a full score;
# "What time is it?" matches only a weak word and so stays low however well it covers itself.
MIN_EVIDENCE = 1.2
UNKNOWN_FACTOR = 1.5
UNKNOWN_DECAY = 1.0
# Everyday frequency on wordfreq's Zipf scale: a word at SPECIFIC_ZIPF or rarer keeps its whole
# weight, one at COMMON_ZIPF ("jetzt", "wieder") keeps only COMMON_FLOOR of it.
SPECIFIC_ZIPF = 4.0
COMMON_ZIPF = 6.0
COMMON_FLOOR = 0.1
# An unknown word at least this common in everyday language is a filler, not a thing.
FILLER_ZIPF = 5.5
# An unknown German verb or adjective (see Term.minor) weighs this share of an unknown noun.
MINOR_FACTOR = 0.5
# The phrasing score weighs recall this many times as much as precision (F-beta).
BETA = 2.0
# A word that names the topic of at most this many entries (in their questions, titles or
# keywords) is a key word of a question that contains it.
KEY_ENTRIES = 3
# A key word matched this loosely (a far typo) is not held against an entry that lacks it.
KEY_QUALITY = 0.75


def commonness_factor(zipf: float) -> float:
    """How much of its weight a word keeps for how common it is in everyday language (1 = all)."""
    share = (COMMON_ZIPF - zipf) / (COMMON_ZIPF - SPECIFIC_ZIPF)
    return min(1.0, max(COMMON_FLOOR, share))


@dataclass(frozen=True)
class Scored:
    """One entry's score for a question in one language, with the phrasing that fitted best."""

    index: int  # position of the entry in the knowledge base
    score: float
    phrasing: str | None
    missing: tuple[str, ...] = ()  # the question's key words (stems) this entry does not contain
    unknown: bool = False  # the question has a noun no entry knows: it may be about something else
    uncovered: float = 0.0  # the weight of the question's words this entry does not contain
    vague: bool = False  # the question is one word that many entries share
    heaviest_uncovered: float = 0.0  # the weight of the weightiest question word this entry lacks


@dataclass(frozen=True)
class _Phrasing:
    """One phrasing of an entry with its terms and their weight."""

    text: str
    terms: frozenset[str]
    weight: float  # sum of the terms' idf


class LanguageIndex:
    """The index of every entry's text in one language."""

    def __init__(self, analyzer: Analyzer, entries: Sequence[Entry]) -> None:
        """Index every phrasing of the entries in the analyzer's language."""
        self.analyzer = analyzer
        self.language = analyzer.language
        texts = [entry.text(self.language) for entry in entries]
        analyzer.learn(
            piece for text in texts for piece in (text.title, *text.questions, *text.keywords, text.answer)
        )
        self._content_zipf: dict[str, float] = {}
        term_sets: list[list[tuple[str, frozenset[str]]]] = []
        bags: list[frozenset[str]] = []
        answer_bags: list[frozenset[str]] = []
        keyword_bags: list[set[str]] = []
        for text in texts:
            phrasings = [(q, self._content_terms(q)) for q in dict.fromkeys((text.title, *text.questions))]
            keyword_terms = {t for k in text.keywords for t in self._content_terms(k)}
            keyword_bags.append(keyword_terms)
            term_sets.append(phrasings)
            bags.append(frozenset({t for _, terms in phrasings for t in terms} | keyword_terms))
            answer_bags.append(self._content_terms(text.answer) - bags[-1])
        count = len(entries)
        document_frequency: dict[str, int] = {}
        for bag, answer_bag in zip(bags, answer_bags, strict=True):
            for term in bag | answer_bag:
                document_frequency[term] = document_frequency.get(term, 0) + 1
        self._idf = {term: math.log(1 + count / df) for term, df in document_frequency.items()}
        topic_frequency: dict[str, int] = {}
        for bag in bags:
            for term in bag:
                topic_frequency[term] = topic_frequency.get(term, 0) + 1
        keywords = frozenset(t for bag in keyword_bags for t in bag)
        nouns = self._nouns(
            piece for text in texts for piece in (text.title, *text.questions, *text.keywords)
        )
        self._key_terms = frozenset(
            t
            for t, n in topic_frequency.items()
            if n <= KEY_ENTRIES and t not in analyzer.weak and t in (nouns or keywords)
        )
        # A small content's idf takes any word that one entry happens to use ("gilt", "jetzt") for
        # a topic; everyday language knows better. Words the content names on purpose (lexicon,
        # keywords, German nouns) keep their weight; the others weigh less the more common they are.
        topic = analyzer.curated | {t for bag in keyword_bags for t in bag} | (nouns or frozenset())
        self._topic = topic
        for term in self._idf:
            if term not in topic:
                self._idf[term] *= commonness_factor(self._content_zipf.get(term, 0.0))
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
        # Per entry, which of its phrasings hold each term: a question shares words with only a few
        # of an entry's many phrasings, and the others can never be its best fit.
        self._phrasings_with: list[dict[str, tuple[int, ...]]] = [
            _positions_by_term(entry_phrasings) for entry_phrasings in self._phrasings
        ]
        self._postings: dict[str, list[int]] = {}
        for position, bag in enumerate(bags):
            for term in bag | answer_bags[position]:
                self._postings.setdefault(term, []).append(position)

    def _nouns(self, texts: Iterable[str]) -> frozenset[str] | None:
        """The terms of German nouns (written capitalised after a sentence's first word); None in English.

        Key words are nouns: a question's verbs ("passiert", "nutzen") vary too freely to demand.
        """
        if self.language != "de":
            return None
        found: set[str] = set()
        for text in texts:
            for sentence in _SENTENCE.split(text):
                for word in _WORD.findall(sentence)[1:]:
                    if word[:1].isupper():
                        found.update(term.stem for term in self.analyzer.terms(word, content=True))
        return frozenset(found)

    def _content_terms(self, text: str) -> frozenset[str]:
        """The content terms of ``text``, noting how common each word is."""
        terms = self.analyzer.terms(text, content=True)
        for term in terms:
            self._content_zipf[term.stem] = max(term.zipf, self._content_zipf.get(term.stem, 0.0))
        return frozenset(term.stem for term in terms)

    def query_terms(self, question: str) -> dict[str, tuple[float, float]]:
        """Each distinct term of ``question`` with (weight, match quality)."""
        found: dict[str, tuple[float, float]] = {}
        unknown = 0
        for term in self.analyzer.terms(question):
            weight = self._weight(term)
            previous = found.get(term.stem)
            if previous is not None and previous[1] >= term.quality:
                continue
            if term.stem not in self._idf and previous is None:
                # Each further unknown word weighs less: one names a topic the content lacks,
                # several are more often the context of a long question about a known topic.
                unknown += 1
                weight /= unknown**UNKNOWN_DECAY
            found[term.stem] = (weight, term.quality)
        return found

    def names_unknown_thing(self, question: str) -> bool:
        """Whether ``question`` has a noun no entry knows ("Hund", "France", "Reisepass").

        In German a noun is a capitalised word; English has no such mark, so any unknown word
        counts there. Words as common as "genau" or "eigentlich" are fillers, not things.
        """
        return any(
            term.stem not in self._idf and not term.minor and term.zipf < FILLER_ZIPF
            for term in self.analyzer.terms(question)
        )

    def _weight(self, term: Term) -> float:
        """How much a term of the question counts for a match."""
        if term.stem in self._idf:
            weight = self._idf[term.stem]
            # A verb of the question that the content does not name on purpose ("wechseln"):
            # it says less about the topic than the nouns around it.
            return weight * MINOR_FACTOR if term.minor and term.stem not in self._topic else weight
        return self.unknown_weight * (MINOR_FACTOR if term.minor else 1.0) * commonness_factor(term.zipf)

    def score(self, question: str) -> list[Scored]:
        """Every entry sharing a term with ``question``, scored (unsorted)."""
        terms = self.query_terms(question)
        total = sum(weight for weight, _ in terms.values())
        if total <= 0:
            return []
        candidates = sorted({p for term in terms for p in self._postings.get(term, ())})
        keys = [t for t, (_, q) in terms.items() if t in self._key_terms and q >= KEY_QUALITY]
        # A bare word that many entries share ("Termin", "Berater") does not say which one is meant.
        content = [t for t in terms if t not in self.analyzer.weak]
        vague = len(words(question)) <= 2 and len(content) == 1 and content[0] not in self._key_terms
        unknown = self.names_unknown_thing(question)
        results: list[Scored] = []
        for position in candidates:
            bag, answer_bag = self._bags[position], self._answer_bags[position]
            matched = {t: w * q for t, (w, q) in terms.items() if t in bag}
            in_answer = sum(w * q * ANSWER_QUALITY for t, (w, q) in terms.items() if t in answer_bag)
            bag_recall = (sum(matched.values()) + in_answer) / total
            best_f, best_text = 0.0, None
            phrasings, holding = self._phrasings[position], self._phrasings_with[position]
            # In the phrasings' own order, so that of equally good ones the first stays the best.
            for i in sorted({i for t in matched for i in holding.get(t, ())}):
                phrasing = phrasings[i]
                overlap = phrasing.terms.intersection(matched)
                recall = sum(matched[t] for t in overlap) / total
                precision = sum(self._idf[t] for t in overlap) / phrasing.weight
                f_beta = (1 + BETA**2) * recall * precision / (BETA**2 * precision + recall)
                if f_beta > best_f:
                    best_f, best_text = f_beta, phrasing.text
            evidence = min(1.0, bag_recall * total / MIN_EVIDENCE)
            score = (PHRASING_WEIGHT * best_f + BAG_WEIGHT * bag_recall) * evidence
            missing = tuple(t for t in keys if t not in bag and t not in answer_bag)
            open_weights = [
                w for t, (w, q) in terms.items() if q >= KEY_QUALITY and t not in bag and t not in answer_bag
            ]
            uncovered = sum(open_weights)
            heaviest = max(open_weights, default=0.0)
            results.append(
                Scored(
                    position,
                    round(score, 6),
                    best_text,
                    missing,
                    unknown,
                    round(uncovered, 6),
                    vague,
                    round(heaviest, 6),
                )
            )
        return results


def _positions_by_term(phrasings: Sequence[_Phrasing]) -> dict[str, tuple[int, ...]]:
    """Each term of the phrasings with the positions of the phrasings that contain it."""
    positions: dict[str, list[int]] = {}
    for i, phrasing in enumerate(phrasings):
        for term in phrasing.terms:
            positions.setdefault(term, []).append(i)
    return {term: tuple(found) for term, found in positions.items()}
