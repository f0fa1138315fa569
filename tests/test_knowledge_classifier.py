"""The entry classifier: it ranks the entry a question is about, and a trained model is reused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.services import knowledge_classifier
from bot.services.knowledge import knowledge_base
from bot.services.knowledge_classifier import EntryClassifier


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MIGLOBE_CACHE_DIR", str(tmp_path))
    return tmp_path


def _classifier() -> EntryClassifier:
    base = knowledge_base()
    return EntryClassifier(base._indexes["de"].analyzer, base.entries)


def test_it_tells_neighbouring_entries_apart() -> None:
    probabilities = _classifier().probabilities("Können wir den Termin auf nächste Woche verlegen?")
    assert max(probabilities, key=probabilities.__getitem__) == "reschedule"
    probabilities = _classifier().probabilities("Wir wollen die Anfrage wieder zurücknehmen")
    assert max(probabilities, key=probabilities.__getitem__) == "cancel-request"


def test_a_trained_model_is_cached_and_reused(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _classifier()
    assert list(cache.glob("entry-classifier-*.pickle"))

    def no_training(*_: object) -> None:
        raise AssertionError("trained again although a cached model exists")

    monkeypatch.setattr(knowledge_classifier, "_train", no_training)
    second = _classifier()
    question = "Was kostet uns das?"
    assert second.probabilities(question) == first.probabilities(question)


def test_a_broken_cache_file_is_replaced(cache: Path) -> None:
    knowledge_base()  # its own models, if this process builds it now, are not the one looked at
    before = set(cache.glob("entry-classifier-*.pickle"))
    _classifier()
    [cached] = set(cache.glob("entry-classifier-*.pickle")) - before
    cached.write_bytes(b"not a model")
    assert _classifier().probabilities("Was kostet das?")
    assert cached.read_bytes() != b"not a model"


def test_questions_outside_the_entries_draw_the_outside_class() -> None:
    base = knowledge_base()
    analyzer = base._indexes["de"].analyzer
    outside = base._lexicon.outside["de"]
    assert len(outside) >= 100, "lexicon/outside.yaml teaches what lies outside the entries"
    with_outside = EntryClassifier(analyzer, base.entries, outside)
    without = EntryClassifier(analyzer, base.entries)
    question = "Bis wann muss ich die Grundsteuererklärung für das Gemeindehaus abgeben?"
    assert question not in outside
    probabilities = with_outside.probabilities(question)
    assert max(probabilities, key=probabilities.__getitem__) == knowledge_classifier.OUTSIDE
    assert knowledge_classifier.OUTSIDE not in without.probabilities(question)
    # A question an entry answers stays with that entry.
    in_scope = with_outside.probabilities("Was kostet die Beratung für unsere Gemeinde?")
    assert max(in_scope, key=in_scope.__getitem__) == "costs"


def test_models_of_earlier_answers_do_not_fill_the_cache_folder(cache: Path) -> None:
    """Each change of the team's answers trains new models: only the most recently used stay, the
    one just trained among them (the cache folder would otherwise grow by megabytes each time)."""
    kept = knowledge_classifier.KEPT_CLASSIFIERS
    knowledge_base()  # its own models, if this process builds it now, are newer than those below
    before = set(cache.glob("entry-classifier-*.pickle"))
    old = [cache / f"entry-classifier-{n:032x}.pickle" for n in range(kept + 5)]
    for n, path in enumerate(old):
        path.write_bytes(b"an earlier model")
        os.utime(path, (1_000_000 + n, 1_000_000 + n))
    _classifier()
    left = set(cache.glob("entry-classifier-*.pickle"))
    assert len(left) == kept
    assert len(left - set(old) - before) == 1  # the model just trained
    assert before <= left
    assert left & set(old) == set(old[-(kept - 1 - len(before)) :])  # the newest of the earlier ones
