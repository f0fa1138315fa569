"""The shortcuts that make an answer fast give exactly what the slower, plain way gives.

The classifier computes its features and probabilities without scikit-learn's per-call checks, the
analyzer keeps the terms of the last texts, and the ranking visits only the phrasings that share a
word with the question. Each must leave every number as it was, to the last bit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services import knowledge
from bot.services.knowledge import KnowledgeBase
from bot.services.knowledge_classifier import _train
from bot.services.knowledge_eval import read_labelled
from bot.services.knowledge_linear import _pairwise_sum, compact
from tests.fresh_process import after_an_answer

DATA = Path(__file__).parent / "data"


def _questions() -> list[str]:
    """Every labelled question, plus a few odd ones (empty, only digits, very long)."""
    labelled = [
        item.question
        for name in ("knowledge_eval.tsv", "knowledge_heldout.tsv")
        for item in read_labelled(DATA / name)
    ]
    return [*labelled, "", "1234", "Wie " * 200 + "Beratung?", "xyzzy qwerty"]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    """The shipped knowledge base."""
    return knowledge.knowledge_base()


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_classifier_gives_scikit_learns_probabilities_bit_for_bit(
    kb: KnowledgeBase, language: str
) -> None:
    """The model kept as numbers gives what FeatureUnion.transform and predict_proba give, exactly."""
    classifier = kb._classifiers[language]
    texts, labels = classifier.training_documents(kb.entries, kb._lexicon.outside.get(language, ()))
    features, model = _train(texts, labels)
    numbers = compact(features, model)
    assert numbers.classes == classifier._model.classes  # the bot's own model was trained alike
    for question in _questions():
        document = classifier._document(question)
        expected = model.predict_proba(features.transform([document]))[0]
        assert np.array_equal(numbers.probabilities(document), expected), question


def test_answering_never_imports_scikit_learn_or_numpy() -> None:
    """A bot that finds its model in the cache answers without scikit-learn, SciPy or NumPy in
    memory (NumPy alone is about 11 MB)."""
    knowledge.knowledge_base()  # the cache is filled
    loaded = "sorted(m for m in ('sklearn', 'scipy', 'numpy') if m in sys.modules)"
    assert after_an_answer("Was kostet die Beratung?", "de", loaded) == "[]"
    assert after_an_answer("What does the advice cost?", "en", loaded) == "[]"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_subnormal=False),
        max_size=400,
    )
)
def test_the_classifiers_sum_is_numpys_to_the_last_bit(values: list[float]) -> None:
    """Normalising the probabilities adds them in NumPy's order (pairwise, eight at a time), so
    the total is NumPy's own, for short lists, whole blocks and the halves of long ones."""
    assert _pairwise_sum(values) == float(np.array(values, dtype=np.float64).reshape(1, -1).sum(axis=1)[0])


@pytest.mark.parametrize("language", ["de", "en"])
def test_kept_terms_equal_fresh_ones_and_cannot_be_spoilt(kb: KnowledgeBase, language: str) -> None:
    """A text's kept terms are those analysed afresh, and changing a returned list changes nothing."""
    analyzer = kb._indexes[language].analyzer
    for question in _questions()[:60]:
        first = analyzer.terms(question)
        fresh = list(analyzer._terms_new(question, False))
        assert first == fresh
        first.clear()
        assert analyzer.terms(question) == fresh


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_phrasing_is_found_by_each_of_its_terms(kb: KnowledgeBase, language: str) -> None:
    """The per-entry map from a term to its phrasings misses none (else a best fit could be skipped)."""
    index = kb._indexes[language]
    for phrasings, holding in zip(index._phrasings, index._phrasings_with, strict=True):
        for i, phrasing in enumerate(phrasings):
            assert all(i in holding[term] for term in phrasing.terms)
        assert all(list(found) == sorted(found) for found in holding.values())
