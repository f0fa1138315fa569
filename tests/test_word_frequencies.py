"""The compact word lists give wordfreq's own Zipf values, word for word."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from wordfreq import available_languages, read_cBpack, zipf_frequency

from bot.services import word_frequencies
from bot.services.knowledge_eval import read_labelled
from bot.services.text_analysis import words

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
    """Answering looks words up in the compact lists, never in wordfreq's dictionary."""
    import subprocess

    code = (
        "import wordfreq; from bot.services.knowledge import knowledge_base; "
        "knowledge_base().answer('Wie lange dauert das Gespräch mit der Beraterin?', 'de'); "
        "print(wordfreq.get_frequency_dict.cache_info().currsize)"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "0"
