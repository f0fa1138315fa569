"""The trained entry classifier as plain numbers: what answering a question needs of it, nothing more.

scikit-learn (with SciPy under it) takes about 90 MB of memory once imported, while answering
needs only each vectorizer's vocabulary and idf weights and the linear model's coefficients. So a
trained model is turned into these few arrays once (:func:`compact`), the copy kept in the cache
folder holds only them, and a running bot never imports scikit-learn unless it has to train.
The arithmetic follows scikit-learn's own step by step, in the same order, so every probability
is the same to the last bit (``tests/test_answer_speed_equivalence.py``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

_WHITE_SPACES = re.compile(r"\s\s+")
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class Vectorizer:
    """One tf-idf vectorizer as trained: its n-grams' columns and idf weights, and how it reads."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    preprocessor: Callable[[str], str]
    # Character n-grams within words (``char_wb``) from ``low`` to ``high`` long; (0, 0): whole tokens.
    ngrams: tuple[int, int]

    def features(self, document: str) -> list[str]:
        """The n-grams of ``document`` as scikit-learn's analyzer gives them, in the same order."""
        text = self.preprocessor(document)
        if self.ngrams == (0, 0):
            return _TOKEN.findall(text)
        low, high = self.ngrams
        found: list[str] = []
        for word in _WHITE_SPACES.sub(" ", text).split():
            padded = f" {word} "
            length = len(padded)
            for size in range(low, high + 1):
                offset = 0
                found.append(padded[offset : offset + size])
                while offset + size < length:
                    offset += 1
                    found.append(padded[offset : offset + size])
                if offset == 0:  # a word shorter than ``size`` counts once
                    break
        return found

    def row(self, document: str) -> tuple[list[int], list[float]]:
        """The document's tf-idf row: columns in order, log-scaled counts times idf, length one."""
        counts: dict[int, int] = {}
        for feature in self.features(document):
            column = self.vocabulary.get(feature)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = sorted(counts)
        data = np.array([counts[column] for column in columns], dtype=np.float64)
        np.log(data, out=data)
        data += 1.0
        data *= self.idf[np.array(columns, dtype=np.intp)]
        total = 0.0
        for value in data.tolist():  # summed one by one, as scikit-learn's normaliser does
            total += value * value
        if total != 0.0:
            data /= math.sqrt(total)
        return columns, data.tolist()


@dataclass(frozen=True)
class LinearModel:
    """The classes, per-feature weights (one row per feature) and intercepts of a linear model."""

    classes: list[str]
    weights: np.ndarray  # features x classes, C order: a feature's weights lie together
    intercept: np.ndarray
    vectorizers: tuple[Vectorizer, ...]

    def probabilities(self, document: str) -> np.ndarray:
        """Each class's probability, as ``predict_proba`` computes it for log loss."""
        scores = np.zeros(self.weights.shape[1])
        offset = 0
        for vectorizer in self.vectorizers:
            # As FeatureUnion joins them: each vectorizer's columns after the previous one's.
            columns, values = vectorizer.row(document)
            for column, value in zip(columns, values, strict=True):
                scores += value * self.weights[offset + column]
            offset += len(vectorizer.vocabulary)
        scores = (scores + self.intercept).reshape(1, -1)
        if len(self.classes) == 2:  # one score: the second class's
            positive = _expit(scores[0, :1])
            return np.array([1.0 - positive[0], positive[0]])
        probabilities = _expit(scores[0]).reshape(1, -1)
        total = probabilities.sum(axis=1)
        if total[0] == 0:
            # What scikit-learn does when every class is impossible: all equally likely.
            return np.full(probabilities.shape[1], 1.0 / probabilities.shape[1])
        probabilities /= total.reshape((probabilities.shape[0], -1))
        return probabilities[0]


def _expit(values: np.ndarray) -> np.ndarray:
    """The logistic function as SciPy computes it for each value: 1 / (1 + exp(-x))."""
    return np.array([1.0 / (1.0 + math.exp(-value)) for value in values.tolist()])


def compact(features: Any, model: Any) -> LinearModel:
    """The numbers of a trained FeatureUnion of tf-idf vectorizers and a linear model."""
    vectorizers = []
    for _name, vectorizer in features.transformer_list:
        ngrams = vectorizer.ngram_range if vectorizer.analyzer == "char_wb" else (0, 0)
        vocabulary = {str(key): int(value) for key, value in vectorizer.vocabulary_.items()}
        idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        vectorizers.append(Vectorizer(vocabulary, idf, vectorizer.preprocessor, ngrams))
    return LinearModel(
        [str(label) for label in model.classes_],
        np.ascontiguousarray(model.coef_.T, dtype=np.float64),
        np.asarray(model.intercept_, dtype=np.float64),
        tuple(vectorizers),
    )
