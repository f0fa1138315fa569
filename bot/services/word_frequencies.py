"""How common a word is (wordfreq's Zipf scale), from a compact copy of wordfreq's word lists.

wordfreq answers from a dictionary of every word in its list, about 70 MB for German and 30 MB
for English once loaded: most of a running bot's memory. The same numbers fit in two flat arrays
per language, a sorted 64-bit hash of each word and its frequency bucket (about 10 MB for both
languages, standard-library arrays, so NumPy is not loaded for them), kept in the cache folder
after the first build. The lookup follows
``wordfreq.zipf_frequency`` step by step (its tokenizer, its handling of digits, its rounding),
so every value is the same (``tests/test_word_frequencies.py``).
"""

from __future__ import annotations

import hashlib
import math
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from importlib import metadata

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

    hashes: array[int]
    buckets: array[int]

    @classmethod
    def build(cls, language: str) -> FrequencyTable:
        """Read wordfreq's list for ``language``; a word listed twice keeps its last bucket, as
        wordfreq's own dictionary does."""
        bucket_of: dict[int, int] = {}
        for bucket, words in enumerate(read_cBpack(available_languages("best")[language])):
            for word in words:
                bucket_of[_hash(word)] = bucket
        keys = sorted(bucket_of)
        return cls(array("Q", keys), array("H", (bucket_of[key] for key in keys)))

    def frequency(self, token: str) -> float | None:
        """The listed frequency of ``token``, None if it is not listed."""
        key = _hash(token)
        index = bisect_left(self.hashes, key)
        if index < len(self.hashes) and self.hashes[index] == key:
            return cB_to_freq(-self.buckets[index])
        return None


@cache
def _table(language: str) -> FrequencyTable:
    """The table of ``language``, from the cache folder or built (and kept) from wordfreq's list."""
    version = metadata.version("wordfreq")
    return kept(
        f"word-frequencies-{language}-{version}-flat.pickle",
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
