"""The compact word lists give wordfreq's own Zipf values, word for word, without wordfreq."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from wordfreq import available_languages, read_cBpack, zipf_frequency

from bot.services import word_frequencies
from bot.services.knowledge_eval import read_labelled
from bot.services.text_analysis import words
from tests.fresh_process import after_an_answer

DATA = Path(__file__).parent / "data"
ODD = ["", "!!!", "2026", "1.800", "abc123", "E-Mail", "Baden-Württemberg", "ÄÖÜß", "don't", "x" * 80]
ODD += ["co2", "3er", "2026er", "ſ", "ŉ", "İstanbul", "straße", "ﬁnanz", "١٢٣", "日本語", "москва", "x\u0308"]
# Every character of the Latin ranges the lookup answers itself, and a few beside them.
LATIN = [chr(code) for code in [*range(0x61, 0x7B), *range(0xC0, 0x180)]]


def _listed(language: str) -> list[str]:
    """Every word of wordfreq's list for ``language``."""
    return [word for bucket in read_cBpack(available_languages("best")[language]) for word in bucket]


def _numbers() -> list[str]:
    """Numbers of every length up to 40 digits, with and without leading zeros."""
    pick = random.Random(16)
    drawn = [str(pick.randrange(10**digits)).zfill(digits) for digits in range(1, 41) for _ in range(25)]
    return [*drawn, *(str(n) for n in range(0, 10_000, 7)), "0000", "0", "00012", "1" * 30, "1" * 31]


def _samples(language: str) -> list[str]:
    """Every word of the labelled questions, every 97th word of wordfreq's list, and odd tokens."""
    asked = [
        word
        for name in ("knowledge_eval.tsv", "knowledge_heldout.tsv")
        for item in read_labelled(DATA / name)
        for word in words(item.question)
    ]
    extra = ["kommunen beratung", "the kickoff talk"]
    return [*dict.fromkeys(asked), *_listed(language)[::97], *ODD, *LATIN, *_numbers(), *extra]


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_compact_lists_give_wordfreqs_values(language: str) -> None:
    for word in _samples(language):
        assert word_frequencies.zipf(word, language) == zipf_frequency(word, language), word


@pytest.mark.parametrize("language", ["de", "en"])
def test_words_of_latin_letters_and_numbers_are_answered_by_the_copy_alone(language: str) -> None:
    """The copy itself answers every listed word of Latin letters (each 5th here) and every
    number up to 30 digits, with wordfreq's value; a word of another script or one mixing letters
    and digits is left to wordfreq's tokenizer."""
    table = word_frequencies._table(language)
    answered = 0
    for word in [*_listed(language)[::5], *_numbers()]:
        found = table.zipf(word)
        if found is not None:
            answered += 1
            assert found == zipf_frequency(word, language), word
    assert answered > 40_000
    for word in ["straße", "ﬁnanz", "co2", "١٢٣", "москва", "x\u0308", "1" * 31, "ſ"]:
        assert table.zipf(word) is None, word
    assert table.zipf("beratung") is not None and table.zipf("2026") is not None


def test_the_bot_answers_without_importing_wordfreq() -> None:
    """Importing wordfreq costs 12 MB (ftfy, wcwidth, langcodes): answering questions with words
    no cache has seen, numbers and umlauts never loads it."""
    question = "Zahlt ihr 2026 einen Xylophonkurs für 12 Gemeinden oder einen Fahrradschlauch?"
    report = "sorted(m for m in ('wordfreq', 'ftfy', 'langcodes') if m in sys.modules)"
    assert after_an_answer(question, "de", report) == "[]"
    assert after_an_answer("Do you pay 300 euros for 15 xylophone lessons?", "en", report) == "[]"
