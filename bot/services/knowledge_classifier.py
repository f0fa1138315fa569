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
trained on: a restarted process, or a second one, loads it instead of training again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import sklearn
from scipy import sparse, special
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import FeatureUnion
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

from bot.services.knowledge_model import Entry
from bot.services.saved_copies import kept
from bot.services.text_analysis import Analyzer, fold

# Regularisation and passes of the linear model (log loss, so its outputs are probabilities).
ALPHA = 1e-4
PASSES = 50
CHARACTER_NGRAMS = (3, 5)
# The class of questions no entry answers (entry ids are lowercase words, so it cannot clash).
OUTSIDE = "_outside"
# The two kinds of input per phrasing, joined by this mark: its search terms, and its folded text.
_SPLIT = "\x1f"


class EntryClassifier:
    """A linear model over search terms and character n-grams, one class per entry, one language."""

    def __init__(self, analyzer: Analyzer, entries: Sequence[Entry], outside: Sequence[str] = ()) -> None:
        """Train the classifier on every phrasing of the entries (and texts outside them)."""
        self._analyzer = analyzer
        texts: list[str] = []
        labels: list[str] = []
        for entry in entries:
            text = entry.text(analyzer.language)
            for phrasing in dict.fromkeys((text.title, *text.questions, *text.keywords)):
                texts.append(self._document(phrasing))
                labels.append(entry.id)
        for question in dict.fromkeys(outside):
            texts.append(self._document(question))
            labels.append(OUTSIDE)
        self._model: Any = None
        if len(set(labels)) >= 2:
            self._model = _cached_or_trained(texts, labels)
            # The model multiplies by coef_.T, which scipy copies (megabytes) at every question unless
            # it is row-major: the same numbers kept column-major once give the same products.
            self._model[1].coef_ = np.asfortranarray(self._model[1].coef_)

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
        features, model = self._model
        row = _predicted(features, model, self._document(question))
        return {str(entry_id): float(p) for entry_id, p in zip(model.classes_, row, strict=True)}


def _predicted(features: FeatureUnion, model: SGDClassifier, document: str) -> np.ndarray:
    """The model's probabilities for one document, as ``features`` and ``predict_proba`` give them.

    The same arithmetic in the same order, so the same numbers, but without scikit-learn's
    per-call input checks, which took most of an answer's time.
    """
    vectorizers = [vectorizer for _, vectorizer in features.transformer_list]
    # Two classes use another formula (only tiny test knowledge bases have them); and only the
    # tf-idf settings :func:`_train` uses are computed here.
    if model.coef_.shape[0] == 1 or not all(map(_as_trained, vectorizers)):
        return model.predict_proba(features.transform([document]))[0]
    values: list[np.ndarray] = []
    columns: list[np.ndarray] = []
    offset = 0
    for vectorizer in vectorizers:
        # As FeatureUnion joins them: each vectorizer's columns after the previous one's.
        row = _tfidf(vectorizer, document)
        values.append(row.data)
        columns.append(row.indices + offset)
        offset += len(vectorizer.vocabulary_)
    data, indices = np.concatenate(values), np.concatenate(columns)
    joined = sparse.csr_array(
        (data, indices, np.array([0, len(data)], dtype=indices.dtype)), shape=(1, offset)
    )
    scores = joined @ model.coef_.T + model.intercept_
    probabilities = special.expit(scores, out=scores)
    total = probabilities.sum(axis=1)
    if total[0] == 0:
        # What scikit-learn does when every class is impossible: all equally likely.
        return np.full(probabilities.shape[1], 1.0 / probabilities.shape[1])
    probabilities /= total.reshape((probabilities.shape[0], -1))
    return probabilities[0]


def _as_trained(vectorizer: TfidfVectorizer) -> bool:
    """Whether the vectorizer has the settings :func:`_tfidf` follows (those :func:`_train` sets)."""
    return bool(
        vectorizer.sublinear_tf and vectorizer.use_idf and vectorizer.norm == "l2" and not vectorizer.binary
    )


def _tfidf(vectorizer: TfidfVectorizer, document: str) -> sparse.csr_array:
    """The document's row as ``vectorizer.transform`` computes it: n-gram counts in column order,
    log-scaled, times each column's idf, scaled to length one."""
    vocabulary = vectorizer.vocabulary_
    counts: dict[int, int] = {}
    for feature in vectorizer.build_analyzer()(document):
        column = vocabulary.get(feature)
        if column is not None:
            counts[column] = counts.get(column, 0) + 1
    order = sorted(counts)
    data = np.array([counts[column] for column in order], dtype=np.float64)
    indices = np.array(order, dtype=np.int32)
    row = sparse.csr_array(
        (data, indices, np.array([0, len(order)], dtype=np.int32)), shape=(1, len(vocabulary))
    )
    np.log(row.data, out=row.data)
    row.data += 1.0
    row.data *= vectorizer.idf_[row.indices]
    inplace_csr_row_normalize_l2(row)
    return row


def _terms_part(document: str) -> str:
    """The word part of a classifier document."""
    return document.split(_SPLIT, 1)[0]


def _characters_part(document: str) -> str:
    """The character part of a classifier document."""
    return document.split(_SPLIT, 1)[1]


def _train(texts: list[str], labels: list[str]) -> tuple[FeatureUnion, SGDClassifier]:
    """Fit the features and the model on the documents."""
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


def _cached_or_trained(texts: list[str], labels: list[str]) -> tuple[FeatureUnion, SGDClassifier]:
    """The model for these documents from the cache folder, else trained (and cached)."""
    digest = hashlib.sha256(
        repr((sklearn.__version__, ALPHA, PASSES, CHARACTER_NGRAMS, texts, labels)).encode()
    ).hexdigest()[:32]
    return kept(
        f"entry-classifier-{digest}.pickle",
        lambda: _train(texts, labels),
        lambda saved: isinstance(saved, tuple) and len(saved) == 2,
    )
