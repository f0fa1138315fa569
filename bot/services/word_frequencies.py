"""How common a word is (wordfreq's Zipf scale), from a compact copy of wordfreq's word lists.

wordfreq answers from a dictionary of every word in its list, about 70 MB for German and 30 MB
for English once loaded: most of a running bot's memory. The same numbers fit in two arrays per
language, a sorted 64-bit hash of each word and its frequency bucket (about 10 MB for both
languages), kept in the cache folder after the first build. The lookup follows
``wordfreq.zipf_frequency`` step by step (its tokenizer, its handling of digits, its rounding),
so every value is the same (``tests/test_word_frequencies.py``).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from functools import cache
from importlib import metadata

import numpy as np
from wordfreq import available_languages, cB_to_freq, freq_to_zipf, lossy_tokenize, read_cBpack, zipf_to_freq
from wordfreq.numbers import digit_freq, smash_numbers

from bot.services.saved_copies import kept

# wordfreq's floor for an unknown word on the Zipf scale (``zipf_frequency``'s default minimum).
_MINIMUM = zipf_to_freq(0.0)


def _hash(word: str) -> int:
    """A stable 64-bit hash of ``word`` (Python's own hash changes with every process)."""
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class FrequencyTable:
    """One language's word list: sorted word hashes and each word's bucket (minus its centibels)."""

    hashes: np.ndarray
    buckets: np.ndarray

    @classmethod
    def build(cls, language: str) -> FrequencyTable:
        """Read wordfreq's list for ``language``; a word listed twice keeps its last bucket, as
        wordfreq's own dictionary does."""
        hashes: list[int] = []
        buckets: list[int] = []
        for bucket, words in enumerate(read_cBpack(available_languages("best")[language])):
            hashes.extend(_hash(word) for word in words)
            buckets.extend([bucket] * len(words))
        keys = np.array(hashes, dtype=np.uint64)
        values = np.array(buckets, dtype=np.uint16)
        order = np.lexsort((values, keys))  # by hash, then bucket: a word's last bucket comes last
        keys, values = keys[order], values[order]
        last = np.append(keys[1:] != keys[:-1], True)
        return cls(keys[last], values[last])

    def frequency(self, token: str) -> float | None:
        """The listed frequency of ``token``, None if it is not listed."""
        key = np.uint64(_hash(token))
        index = int(np.searchsorted(self.hashes, key))
        if index < len(self.hashes) and self.hashes[index] == key:
            return cB_to_freq(-int(self.buckets[index]))
        return None


@cache
def _table(language: str) -> FrequencyTable:
    """The table of ``language``, from the cache folder or built (and kept) from wordfreq's list."""
    version = metadata.version("wordfreq")
    return kept(
        f"word-frequencies-{language}-{version}.pickle",
        lambda: FrequencyTable.build(language),
        lambda saved: isinstance(saved, FrequencyTable),
    )


def _frequency(word: str, language: str) -> float:
    """``wordfreq.word_frequency(word, language, minimum=…)`` with the floor of the Zipf scale."""
    tokens = lossy_tokenize(word, language)
    if not tokens:
        return _MINIMUM
    table = _table(language)
    # Several tokens combine as 1 / f = 1 / f1 + 1 / f2 + …; one unlisted token gives the floor.
    one_over_result = 0.0
    for token in tokens:
        smashed = smash_numbers(token)
        freq = table.frequency(smashed)
        if freq is None:
            return _MINIMUM
        if smashed != token:
            freq *= digit_freq(token)  # digits were smashed to 0s: this number's own share
        one_over_result += 1.0 / freq
    unrounded = max(1.0 / one_over_result, _MINIMUM)
    # wordfreq's data is precise to about 1 %: three significant digits.
    return round(unrounded, math.floor(-math.log(unrounded, 10)) + 3)


def zipf(word: str, language: str) -> float:
    """How common ``word`` is in ``language`` ("de" or "en"): ``wordfreq.zipf_frequency``'s value."""
    return round(freq_to_zipf(_frequency(word, language)), 2)
