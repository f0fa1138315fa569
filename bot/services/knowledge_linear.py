"""The trained entry classifier as plain numbers: what answering a question needs of it, nothing more.

scikit-learn (with SciPy under it) takes about 90 MB of memory once imported, and NumPy alone
about 11 MB, while answering needs only each vectorizer's vocabulary and idf weights and the
linear model's coefficients. So a trained model is turned into a few flat arrays of the standard
library once (:func:`compact`), the copy kept in the cache folder holds only them, and a running
bot imports neither unless it has to train. The arithmetic follows scikit-learn's and NumPy's
step by step, in the same order, so every probability is the same to the last bit
(``tests/test_answer_speed_equivalence.py``).
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

_WHITE_SPACES = re.compile(r"\s\s+")
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class Vectorizer:
    """One tf-idf vectorizer as trained: its n-grams' columns and idf weights, and how it reads."""

    vocabulary: dict[str, int]
    idf: array[float]
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
        idf = self.idf
        data = [(math.log(counts[column]) + 1.0) * idf[column] for column in columns]
        total = 0.0
        for value in data:  # summed one by one, as scikit-learn's normaliser does
            total += value * value
        if total != 0.0:
            norm = math.sqrt(total)
            data = [value / norm for value in data]
        return columns, data


@dataclass(frozen=True)
class LinearModel:
    """The classes, per-feature weights (one row per feature) and intercepts of a linear model."""

    classes: list[str]
    weights: array[float]  # features x classes, row by row: a feature's weights lie together
    intercept: array[float]
    vectorizers: tuple[Vectorizer, ...]

    def probabilities(self, document: str) -> list[float]:
        """Each class's probability, as ``predict_proba`` computes it for log loss."""
        width = len(self.intercept)
        weights = self.weights
        scores = [0.0] * width
        offset = 0
        for vectorizer in self.vectorizers:
            # As FeatureUnion joins them: each vectorizer's columns after the previous one's.
            columns, values = vectorizer.row(document)
            for column, value in zip(columns, values, strict=True):
                start = (offset + column) * width
                row = weights[start : start + width]
                scores = [score + value * weight for score, weight in zip(scores, row, strict=True)]
            offset += len(vectorizer.vocabulary)
        scores = [score + bias for score, bias in zip(scores, self.intercept, strict=True)]
        if len(self.classes) == 2:  # one score: the second class's
            positive = _expit(scores[0])
            return [1.0 - positive, positive]
        probabilities = [_expit(score) for score in scores]
        total = _pairwise_sum(probabilities)
        if total == 0:
            # What scikit-learn does when every class is impossible: all equally likely.
            return [1.0 / width] * width
        return [probability / total for probability in probabilities]


def _expit(value: float) -> float:
    """The logistic function as SciPy computes it: 1 / (1 + exp(-x))."""
    return 1.0 / (1.0 + math.exp(-value))


def _pairwise_sum(values: Sequence[float]) -> float:
    """The sum of ``values`` in NumPy's order (``pairwise_sum``: eight running sums per block of
    up to 128, halves above), so that it equals NumPy's ``sum`` to the last bit."""
    count = len(values)
    if count < 8:
        total = 0.0
        for value in values:
            total += value
        return total
    if count <= 128:
        sums = list(values[:8])
        index = 8
        whole = count - count % 8
        while index < whole:
            for lane in range(8):
                sums[lane] += values[index + lane]
            index += 8
        total = ((sums[0] + sums[1]) + (sums[2] + sums[3])) + ((sums[4] + sums[5]) + (sums[6] + sums[7]))
        for value in values[index:]:
            total += value
        return total
    half = count // 2
    half -= half % 8
    return _pairwise_sum(values[:half]) + _pairwise_sum(values[half:])


def compact(features: Any, model: Any) -> LinearModel:
    """The numbers of a trained FeatureUnion of tf-idf vectorizers and a linear model."""
    vectorizers = []
    for _name, vectorizer in features.transformer_list:
        ngrams = vectorizer.ngram_range if vectorizer.analyzer == "char_wb" else (0, 0)
        vocabulary = {str(key): int(value) for key, value in vectorizer.vocabulary_.items()}
        idf = array("d", (float(value) for value in vectorizer.idf_))
        vectorizers.append(Vectorizer(vocabulary, idf, vectorizer.preprocessor, ngrams))
    return LinearModel(
        [str(label) for label in model.classes_],
        array("d", (float(value) for row in model.coef_.T for value in row)),
        array("d", (float(value) for value in model.intercept_)),
        tuple(vectorizers),
    )
