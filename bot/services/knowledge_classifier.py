"""Which entry a question is about, learned from the entries' own phrasings.

The lexical ranking (:mod:`bot.services.retrieval`) compares a question with each phrasing on its
own; a classifier trained on all of an entry's phrasings, titles and keywords at once learns which
words tell one entry from its neighbours ("verschieben" for moving a date, "zurückziehen" for
withdrawing) and copes with word forms through character n-grams. Besides one class per entry it
learns one more, :data:`OUTSIDE`, from questions no entry answers (``lexicon/outside.yaml``): a
question about something else then draws its probability there instead of onto the nearest entry.
Whether an entry is sure enough to be the answer stays with :mod:`bot.services.knowledge_decision`.

Training takes about a second per language, so a trained model is kept in a cache folder
(``MIGLOBE_CACHE_DIR``, default ``~/.cache/miglobe-bot``) under a hash of everything it was
trained on: a restarted process, or a second one, loads it instead of training again. What is
kept, and what answers, is the model as plain numbers (:mod:`bot.services.knowledge_linear`):
scikit-learn is imported only to train, and a running bot trains in a child process
(:func:`bot.services.saved_copies.built_apart`), so scikit-learn never stays in its memory.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from bot.services.knowledge_linear import LinearModel, compact
from bot.services.knowledge_model import Entry
from bot.services.saved_copies import keep_recent, kept_apart
from bot.services.text_analysis import Analyzer, fold

# Regularisation and passes of the linear model (log loss, so its outputs are probabilities).
ALPHA = 1e-4
PASSES = 50
CHARACTER_NGRAMS = (3, 5)
# Trained models kept in the cache folder, the most recently used: the shipped base's two, the
# team-extended base's two, and earlier ones, so that an answer taken back soon finds its models.
KEPT_CLASSIFIERS = 16
# The class of questions no entry answers (entry ids are lowercase words, so it cannot clash).
OUTSIDE = "_outside"
# The two kinds of input per phrasing, joined by this mark: its search terms, and its folded text.
_SPLIT = "\x1f"


class EntryClassifier:
    """A linear model over search terms and character n-grams, one class per entry, one language."""

    def __init__(self, analyzer: Analyzer, entries: Sequence[Entry], outside: Sequence[str] = ()) -> None:
        """Train the classifier on every phrasing of the entries (and texts outside them)."""
        self._analyzer = analyzer
        texts, labels = self.training_documents(entries, outside)
        self._model: LinearModel | None = None
        if len(set(labels)) >= 2:
            self._model = _cached_or_trained(texts, labels)

    def training_documents(
        self, entries: Sequence[Entry], outside: Sequence[str] = ()
    ) -> tuple[list[str], list[str]]:
        """The documents the model learns from, and each one's entry id (or :data:`OUTSIDE`)."""
        texts: list[str] = []
        labels: list[str] = []
        for entry in entries:
            text = entry.text(self._analyzer.language)
            for phrasing in dict.fromkeys((text.title, *text.questions, *text.keywords)):
                texts.append(self._document(phrasing))
                labels.append(entry.id)
        for question in dict.fromkeys(outside):
            texts.append(self._document(question))
            labels.append(OUTSIDE)
        return texts, labels

    def _document(self, text: str) -> str:
        """What the model reads of ``text``: its search terms and its folded characters."""
        # A term may be a phrase ("unser berater"): keep it one token.
        terms = " ".join(term.stem.replace(" ", "_") for term in self._analyzer.terms(text))
        return f"{terms}{_SPLIT}{fold(text)}"

    def probabilities(self, question: str) -> dict[str, float]:
        """Each entry id (and :data:`OUTSIDE`) with the probability that ``question`` is about it.

        Empty when untrained.
        """
        if self._model is None:
            return {}
        row = self._model.probabilities(self._document(question))
        return {entry_id: float(p) for entry_id, p in zip(self._model.classes, row, strict=True)}


def _terms_part(document: str) -> str:
    """The word part of a classifier document."""
    return document.split(_SPLIT, 1)[0]


def _characters_part(document: str) -> str:
    """The character part of a classifier document."""
    return document.split(_SPLIT, 1)[1]


def _train(texts: list[str], labels: list[str]) -> tuple[Any, Any]:
    """Fit the features and the model on the documents (the only use of scikit-learn)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import FeatureUnion

    features = FeatureUnion(
        [
            ("terms", TfidfVectorizer(preprocessor=_terms_part, token_pattern=r"\S+", sublinear_tf=True)),
            (
                "characters",
                TfidfVectorizer(
                    preprocessor=_characters_part,
                    analyzer="char_wb",
                    ngram_range=CHARACTER_NGRAMS,
                    sublinear_tf=True,
                ),
            ),
        ]
    )
    model = SGDClassifier(loss="log_loss", alpha=ALPHA, max_iter=PASSES, tol=None, random_state=0)
    model.fit(features.fit_transform(texts), labels)
    return features, model


def _cached_or_trained(texts: list[str], labels: list[str]) -> LinearModel:
    """The model for these documents from the cache folder, else trained (and cached), as numbers;
    a missing model is trained by a child process first (see the module's docstring)."""
    version = metadata.version("scikit-learn")
    trained_on = ("plain numbers", version, ALPHA, PASSES, CHARACTER_NGRAMS, texts, labels)
    name = f"entry-classifier-{hashlib.sha256(repr(trained_on).encode()).hexdigest()[:32]}.pickle"
    code = f"import {__name__} as built; built.train_from_input()"
    model = kept_apart(
        name,
        lambda: compact(*_train(texts, labels)),
        lambda saved: isinstance(saved, LinearModel),
        ("an entry classifier", code, json.dumps([texts, labels]).encode()),
    )
    keep_recent("entry-classifier-*.pickle", name, KEPT_CLASSIFIERS)
    return model


def train_from_input() -> None:
    """Train and keep the model for the documents and labels given as JSON on standard input
    (what the child process of :func:`_cached_or_trained` runs)."""
    texts, labels = json.load(sys.stdin)
    _cached_or_trained(texts, labels)
