"""Turning German or English text into search terms.

Pipeline: words (lower case, gender forms joined) → German separable verbs rejoined → Snowball stems
→ synonym phrases → stop words out → each remaining word resolved against the content's vocabulary:
known as it is, a place name (neutral), a German participle or compound of known words, a typo of a
known word (rapidfuzz), or unknown. Synonyms map every stem to its group's first member.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.services import text_german, word_frequencies
from bot.services.stemming import stemmer

# Gender forms (Berater*innen, Berater:innen, Berater_innen) become one word, like "Beraterinnen".
_GENDER = re.compile(r"(?<=\w)[*:_·](?=in(?:nen)?\b)")
_EMAIL = re.compile(r"\be[-‐]mail", re.IGNORECASE)
MAX_TOKENS = 60  # a question longer than this is cut: keeps every answer fast
MAX_PHRASE = 4
# Typo tolerance: words of at least FUZZY_MIN_LENGTH letters, at most about one edit in five.
FUZZY_MIN_LENGTH = 5
FUZZY_CUTOFF = 0.8 - 1e-9  # one edit in a five-letter word is exactly 0.8
FUZZY_SUBSTITUTION_LENGTH = 7
# Per-word caches grow with every new word people type; start afresh past this size.
CACHE_LIMIT = 50_000
# One answer analyses the question several times (ranking, unknown words, classifier); the
# analyses of the last few texts are kept so it happens once.
TEXT_CACHE_LIMIT = 256


def fold(text: str) -> str:
    """Casefold and drop accents and umlauts: "Gespräch" → "gesprach" (for comparing words)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The lower-cased words of ``text`` (umlauts kept), gender forms joined, at most MAX_TOKENS."""
    text = _EMAIL.sub("email", _GENDER.sub("", unicodedata.normalize("NFKC", text)))
    return text_german.WORD.findall(text.casefold())[:MAX_TOKENS]


@dataclass(frozen=True)
class Term:
    """A search term: a (synonym-mapped) stem, how sure the match to it is, and whether it is known."""

    stem: str
    quality: float = 1.0
    known: bool = True
    # A word written in lower case in German text that capitalises its nouns: a verb or adjective
    # ("erwartet", "wechseln"), which says less about the topic than a noun would.
    minor: bool = False
    # How common the written word is in everyday language (Zipf scale: 6 = "jetzt", 3 = "Warteliste").
    zipf: float = 0.0


class Analyzer:
    """Text analysis for one language, tuned to one knowledge base's vocabulary.

    Build it, :meth:`learn` the content's texts, then :meth:`terms` both content and questions,
    so both sides go through the same steps.
    """

    def __init__(
        self,
        language: str,
        stopwords: Iterable[str] = (),
        synonyms: Sequence[Sequence[str]] = (),
        places: Iterable[str] = (),
        wordforms: Mapping[str, str] | None = None,
        weak: Iterable[str] = (),
    ) -> None:
        """An analyzer for one language with its stopwords, synonyms, phrases and known words."""
        self.language = language
        self._german = language == "de"
        # Fixed stems for word forms the stemmer would merge wrongly (Berater / Beratung).
        self._forms = {fold(form): fold(term) for form, term in (wordforms or {}).items()}
        self._stem_cache: dict[str, str] = {}
        self._zipf_cache: dict[str, float] = {}
        # German typed without umlauts ("fuer", "koennen") must meet the stop words too.
        self._stop = frozenset(form for word in stopwords for form in _spellings(word, self._german))
        self._places = frozenset(fold(place) for place in places)
        self._canon: dict[str, str] = {}
        self._phrases: dict[tuple[str, ...], str] = {}
        for group in synonyms:
            head = " ".join(self.stems(group[0]))
            for member in group:
                key = tuple(self.stems(member))
                if len(key) == 1:
                    self._canon.setdefault(key[0], head)
                elif key:
                    self._phrases.setdefault(key, head)
        self.weak = frozenset(self._canonical(self.stem(w)) for item in weak for w in words(item))
        # Terms the lexicon names on purpose (synonym groups, word forms): topic words, whatever
        # their frequency in everyday language.
        self.curated = frozenset({*self._canon.values(), *self._phrases.values(), *self._forms.values()})
        self._surfaces: set[str] = set()
        self._known: set[str] = set(self._canon) | set(self._canon.values())
        self._known.update(stem for key in self._phrases for stem in key)
        self._sorted_surfaces: list[str] = []
        self._resolved: dict[tuple[str, bool], tuple[Term, ...]] = {}
        self._analysed: dict[tuple[str, bool], tuple[Term, ...]] = {}

    def stem(self, word: str) -> str:
        """The Snowball stem of a lower-case word, folded ("gespräche" → "gesprach")."""
        cached = self._stem_cache.get(word)
        if cached is None:
            cached = self._forms.get(fold(word)) or fold(stemmer(self.language).stemWord(word))
            if len(self._stem_cache) >= CACHE_LIMIT:
                self._stem_cache.clear()
            self._stem_cache[word] = cached
        return cached

    def stems(self, text: str) -> list[str]:
        """The stems of every word of ``text`` (stop words included)."""
        return [self.stem(word) for word in words(text)]

    def zipf(self, word: str) -> float:
        """How common ``word`` is in everyday German or English (wordfreq's Zipf scale, 0 if unseen)."""
        cached = self._zipf_cache.get(word)
        if cached is None:
            cached = word_frequencies.zipf(word, self.language)
            if len(self._zipf_cache) >= CACHE_LIMIT:
                self._zipf_cache.clear()
            self._zipf_cache[word] = cached
        return cached

    def learn(self, texts: Iterable[str]) -> None:
        """Add the words of ``texts`` to the vocabulary that typos and compounds are checked against."""
        for text in texts:
            for word in self._words(text, content=True):
                folded = fold(word)
                if folded not in self._stop:
                    self._surfaces.add(folded)
                    self._known.add(self.stem(word))
        self._sorted_surfaces = sorted(self._surfaces)
        self._resolved.clear()
        self._analysed.clear()

    def terms(self, text: str, content: bool = False) -> list[Term]:
        """The search terms of ``text`` in order (duplicates possible).

        ``content`` marks knowledge-base text: its compounds also yield their known parts, so that
        "Beratungskosten" in an entry meets "Kosten der Beratung" in a question.
        """
        cached = self._analysed.get((text, content))
        if cached is None:
            cached = self._terms_new(text, content)
            if len(self._analysed) >= TEXT_CACHE_LIMIT:
                self._analysed.clear()
            self._analysed[(text, content)] = cached
        return list(cached)  # a copy: the caller may change its list

    def _terms_new(self, text: str, content: bool) -> tuple[Term, ...]:
        """The search terms of a text not analysed lately (see :meth:`terms`)."""
        tokens = self._words(text, content)
        stems = [self.stem(token) for token in tokens]
        lower = text_german.lower_case_words(text) if self._german and not content else frozenset()
        found: list[Term] = []
        i = 0
        while i < len(tokens):
            phrase = self._phrase_at(stems, i)
            if phrase:
                head, length = phrase
                found.append(Term(head))
                i += length
                continue
            terms = self._resolve(tokens[i], stems[i], content)
            if terms:
                # Built directly: dataclasses.replace takes longer than the rest of this loop.
                minor, common = tokens[i] in lower, self.zipf(tokens[i])
                found.extend(Term(t.stem, t.quality, t.known, t.minor or minor, common) for t in terms)
            i += 1
        return tuple(found)

    def _words(self, text: str, content: bool) -> list[str]:
        """The words of ``text``, with German separable verbs joined."""
        tokens = words(text)
        if self._german and (joined := text_german.separable_verb([fold(t) for t in tokens])):
            # "Wie melde ich mich an?" → "anmelden": in content always, in a question only if known.
            position, forms = joined
            known = [form for form in forms if self.stem(form) in self._known]
            verb = known[0] if known else forms[0] if content else None
            if verb:
                tokens = [*tokens[:position], verb, *tokens[position + 1 : -1]]
        return tokens

    def _phrase_at(self, stems: list[str], i: int) -> tuple[str, int] | None:
        """The known phrase starting at word ``i`` and its length, if any."""
        for length in range(min(MAX_PHRASE, len(stems) - i), 1, -1):
            head = self._phrases.get(tuple(stems[i : i + length]))
            if head:
                return head, length
        return None

    def _resolve(self, token: str, stem: str, content: bool) -> tuple[Term, ...]:
        """The terms one word stands for (none for a stopword)."""
        folded = fold(token)
        if folded in self._stop:
            return ()
        cached = self._resolved.get((folded, content))
        if cached is None:
            cached = self._resolve_new(folded, stem, content)
            if len(self._resolved) >= CACHE_LIMIT:
                self._resolved.clear()
            self._resolved[(folded, content)] = cached
        return cached

    def _resolve_new(self, folded: str, stem: str, content: bool) -> tuple[Term, ...]:
        """The terms of a word not seen before: known, compound or corrected typo."""
        if stem in self._known or folded in self._surfaces:
            parts = self._compound(folded) if content else None
            return (Term(self._canonical(stem)), *self._known_terms(parts or ()))
        if folded in self._places:
            return ()  # a municipality's name says where, not what: neither helps nor hurts
        if self._german:
            for base in text_german.participle_bases(folded):
                if self.stem(base) in self._known:
                    return self._known_terms([base])
            if parts := self._compound(folded):
                if self._canonical(self.stem(parts[-1])) in self.weak:
                    # The last part carries a German compound's meaning: a "Warteliste" is a
                    # list, not waiting; with a general last part the word names something new.
                    return (Term(stem, known=False),)
                return self._known_terms(parts)
        if typo := self._typo(folded):
            match, quality = typo
            return (Term(self._canonical(self.stem(match)), quality),)
        if folded.isdigit():
            # A number the content does not know ("2000 Einwohner") says little about the topic.
            return (Term(folded, known=False, minor=True),)
        return (Term(stem, known=False),)

    def _known_terms(self, words_: Iterable[str]) -> tuple[Term, ...]:
        """The words as canonical terms."""
        return tuple(Term(self._canonical(self.stem(word))) for word in words_)

    def _canonical(self, stem: str) -> str:
        """The stem a synonym stands for."""
        return self._canon.get(stem, stem)

    def _compound(self, folded: str) -> list[str] | None:
        """A German compound's known parts, None when it is not one."""
        return text_german.split_compound(folded, self._is_part) if self._german else None

    def _is_part(self, part: str) -> bool:
        """Whether ``part`` may be a part of a compound."""
        if len(part) < text_german.PART_MIN or part in self._stop:
            return False
        return part in self._surfaces or (len(part) >= 4 and part in self._known)

    def _typo(self, folded: str) -> tuple[str, float] | None:
        """The known word a misspelt word most likely means, with its similarity."""
        if len(folded) < FUZZY_MIN_LENGTH or not self._sorted_surfaces:
            return None
        candidates = process.extract(
            folded,
            self._sorted_surfaces,
            scorer=OSA.normalized_similarity,
            score_cutoff=FUZZY_CUTOFF,
            limit=5,
        )
        for match, similarity, _ in candidates:
            # In a short word a changed letter often makes another real word ("Wetter" is not a typo
            # of "weiter"); a swapped, missing or extra letter rarely does.
            if len(folded) < FUZZY_SUBSTITUTION_LENGTH and _substituted(folded, match):
                continue
            # Scale so a borderline typo counts for about half a word.
            return match, (similarity - 0.5) * 2
        return None


def _spellings(word: str, german: bool) -> set[str]:
    """The folded word, and in German also its spelling without umlauts ("für" → fur, fuer)."""
    return {fold(word), text_german.without_umlauts(word.casefold())} if german else {fold(word)}


def _substituted(word: str, other: str) -> bool:
    """Whether ``other`` differs from ``word`` by changed letters (same length, other letters)."""
    return len(word) == len(other) and sorted(word) != sorted(other)
