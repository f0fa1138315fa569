"""The compact word lists give wordfreq's own Zipf values, word for word."""

from __future__ import annotations

from pathlib import Path

import pytest
from wordfreq import available_languages, read_cBpack, zipf_frequency

from bot.services import word_frequencies
from bot.services.knowledge_eval import read_labelled
from bot.services.text_analysis import words
from tests.fresh_process import after_an_answer

DATA = Path(__file__).parent / "data"
ODD = ["", "!!!", "2026", "1.800", "abc123", "E-Mail", "Baden-Württemberg", "ÄÖÜß", "don't", "x" * 80]


def _samples(language: str) -> list[str]:
    """Every word of the labelled questions, every 97th word of wordfreq's list, and odd tokens."""
    asked = [
        word
        for name in ("knowledge_eval.tsv", "knowledge_heldout.tsv")
        for item in read_labelled(DATA / name)
        for word in words(item.question)
    ]
    listed = [word for bucket in read_cBpack(available_languages("best")[language]) for word in bucket]
    return [*dict.fromkeys(asked), *listed[::97], *ODD, "kommunen beratung", "the kickoff talk"]


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_compact_lists_give_wordfreqs_values(language: str) -> None:
    for word in _samples(language):
        assert word_frequencies.zipf(word, language) == zipf_frequency(word, language), word


def test_the_bot_answers_without_wordfreqs_full_dictionary() -> None:
    """Answering looks words up in the compact lists, never in wordfreq's dictionary (words no
    cache has seen: a Xylophon course and a bicycle tube)."""
    question = "Zahlt ihr einen Xylophonkurs oder einen Fahrradschlauch?"
    assert after_an_answer(question, "de", "wordfreq.get_frequency_dict.cache_info().currsize") == "0"
