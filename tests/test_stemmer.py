"""The compiled Snowball stemmers stand in for snowballstemmer's pure-Python ones, word for word."""

from __future__ import annotations

import pytest
from snowballstemmer.english_stemmer import EnglishStemmer
from snowballstemmer.german_stemmer import GermanStemmer
from wordfreq import available_languages, read_cBpack

from bot.services.knowledge import knowledge_base
from bot.services.text_analysis import stemmer, words
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
