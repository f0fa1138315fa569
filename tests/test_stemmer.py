"""The compiled Snowball stemmers stand in for snowballstemmer's pure-Python ones, word for word."""

from __future__ import annotations

import threading

import pytest
from snowballstemmer.english_stemmer import EnglishStemmer
from snowballstemmer.german_stemmer import GermanStemmer
from wordfreq import available_languages, read_cBpack

from bot.services.knowledge import knowledge_base
from bot.services.stemming import stemmer
from bot.services.text_analysis import words
from tests.fresh_process import after_an_answer

PURE = {"de": GermanStemmer, "en": EnglishStemmer}


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_analyzers_stemmer_stems_as_snowballs_pure_python_one(language: str) -> None:
    """Every word of the knowledge base's entries and every 50th word of wordfreq's list stems
    as snowballstemmer's pure-Python stemmer of the language stems it."""
    compiled, pure = stemmer(language), PURE[language]()
    entries = [
        word
        for entry in knowledge_base().entries
        for text in (*entry.text(language).questions, entry.text(language).answer)
        for word in words(text)
    ]
    listed = [word for bucket in read_cBpack(available_languages("best")[language]) for word in bucket]
    for word in [*dict.fromkeys(entries), *listed[::50]]:
        assert compiled.stemWord(word) == pure.stemWord(word), word


def test_a_running_bot_loads_no_pure_python_stemmer() -> None:
    """snowballstemmer's 34 pure-Python languages took 3 MB of every process; the compiled ones
    (PyStemmer) take a third of it."""
    report = "sorted(m for m in sys.modules if m.startswith('snowballstemmer.'))"
    assert after_an_answer("Was kostet die Beratung?", "de", report) == "[]"


def test_each_thread_has_its_own_stemmer_without_a_cache_of_its_own() -> None:
    """A compiled stemmer may not be called from two threads at once (a base is built in a worker
    thread while the event loop answers), and its own cache of 10,000 words would hold about
    2 MB a language beside the analyzer's."""
    here = stemmer("de")
    elsewhere: list[object] = []
    worker = threading.Thread(target=lambda: elsewhere.append(stemmer("de")))
    worker.start()
    worker.join()
    assert stemmer("de") is here and elsewhere[0] is not here
    assert here.maxCacheSize == 0 and stemmer("en").maxCacheSize == 0
