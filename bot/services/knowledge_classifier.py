"""Which entry a question is about, learned from the entries' own phrasings.

The lexical ranking (:mod:`bot.services.retrieval`) compares a question with each phrasing on its
own; a classifier trained on all of an entry's phrasings, titles and keywords at once learns which
words tell one entry from its neighbours ("verschieben" for moving a date, "zurückziehen" for
withdrawing) and copes with word forms through character n-grams. It answers "which entry", never
"whether any": declining questions no entry covers stays with the lexical checks.
"""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import FeatureUnion

from bot.services.knowledge_model import Entry
from bot.services.text_analysis import Analyzer, fold

# Regularisation and passes of the linear model (log loss, so its outputs are probabilities).
ALPHA = 1e-4
PASSES = 50
CHARACTER_NGRAMS = (3, 5)


class EntryClassifier:
    """A linear model over search terms and character n-grams, one class per entry, one language."""

    def __init__(self, analyzer: Analyzer, entries: Sequence[Entry]) -> None:
        self._analyzer = analyzer
        texts: list[str] = []
        labels: list[str] = []
        for entry in entries:
            text = entry.text(analyzer.language)
            for phrasing in dict.fromkeys((text.title, *text.questions, *text.keywords)):
                texts.append(phrasing)
                labels.append(entry.id)
        self._features = FeatureUnion(
            [
                ("terms", TfidfVectorizer(analyzer=self._terms, sublinear_tf=True)),
                (
                    "characters",
                    TfidfVectorizer(
                        analyzer="char_wb", ngram_range=CHARACTER_NGRAMS, preprocessor=fold, sublinear_tf=True
                    ),
                ),
            ]
        )
        self._model = SGDClassifier(loss="log_loss", alpha=ALPHA, max_iter=PASSES, tol=None, random_state=0)
        self._trained = len(set(labels)) >= 2
        if self._trained:
            self._model.fit(self._features.fit_transform(texts), labels)

    def _terms(self, text: str) -> list[str]:
        """The search terms of ``text``, as the lexical ranking sees them."""
        return [term.stem for term in self._analyzer.terms(text)]

    def probabilities(self, question: str) -> dict[str, float]:
        """Each entry id with the probability that ``question`` is about it (empty when untrained)."""
        if not self._trained:
            return {}
        row = self._model.predict_proba(self._features.transform([question]))[0]
        return {str(entry_id): float(p) for entry_id, p in zip(self._model.classes_, row, strict=True)}
