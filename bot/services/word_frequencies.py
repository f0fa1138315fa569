"""How common a word is (wordfreq's Zipf scale), from a compact copy of wordfreq's word lists.

wordfreq answers from a dictionary of every word in its list, about 70 MB for German and 30 MB
for English once loaded, and importing wordfreq at all costs 12 MB more (ftfy, wcwidth and
langcodes come with it). The bot looks words up in a copy built once by wordfreq and kept in
the cache folder (standard-library arrays, about 10 MB for both languages, so neither NumPy nor
wordfreq is loaded for them):

- a sorted 64-bit hash of each listed word with its frequency bucket, and each bucket's value;
- the value of every number of one to four digits, and of longer numbers by their length and
  first digit (all wordfreq's estimate of a longer number depends on).

A word of Latin letters, or a number, is answered from that copy. Anything else (another
script, letters and digits mixed) goes through wordfreq's own tokenizer, imported then. Every
value is wordfreq's ``zipf_frequency``, to the last digit (``tests/test_word_frequencies.py``).
"""

from __future__ import annotations

import hashlib
import math
import re
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from importlib import metadata

from bot.services.saved_copies import kept_apart

# A word wordfreq's tokenizer keeps as it is: lower-case Latin letters (ASCII, Latin-1, Latin
# Extended-A) that case folding leaves alone.
_LATIN = re.compile(r"[a-zà-öø-ÿĀ-ſ]+")
_NUMBER = re.compile(r"[0-9]+")
# Numbers up to this many digits get a value each; longer ones by length and first digit.
SHORT_NUMBER_DIGITS = 4
LONG_NUMBER_DIGITS = 30
# wordfreq's floor for an unknown word: zipf_frequency's default minimum, 0 on the Zipf scale.
_MINIMUM_ZIPF = 0.0


def _hash(word: str) -> int:
    """A stable 64-bit hash of ``word`` (Python's own hash changes with every process)."""
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def _short_number_index(number: str) -> int:
    """Where a number of at most SHORT_NUMBER_DIGITS digits sits among all of them ("7" → 7,
    "07" → 17): the shorter numbers first, each length in numeric order."""
    return (10 ** len(number) - 10) // 9 + int(number)


def _long_number_index(number: str) -> int:
    """Where a longer number's value sits: by its length, then its first digit, or 10 for only
    zeros (wordfreq's list has the zeros themselves, which it does not estimate)."""
    column = 10 if number.count("0") == len(number) else int(number[0])
    return (len(number) - SHORT_NUMBER_DIGITS - 1) * 11 + column


@dataclass(frozen=True)
class FrequencyTable:
    """One language's word list as wordfreq's Zipf values, without wordfreq."""

    hashes: array[int]  # each listed word's hash, sorted
    buckets: array[int]  # each listed word's bucket (minus its centibels)
    bucket_zipf: array[float]  # each bucket's value
    short_numbers: array[float]  # each number of 1 to SHORT_NUMBER_DIGITS digits
    long_numbers: array[float]  # longer numbers, by length and first digit

    @classmethod
    def build(cls, language: str) -> FrequencyTable:
        """Read wordfreq's list for ``language`` and work out the numbers' values with wordfreq; a
        word listed twice keeps its last bucket, as wordfreq's own dictionary does."""
        from wordfreq import available_languages, cB_to_freq, read_cBpack

        bucket_of: dict[int, int] = {}
        pack = read_cBpack(available_languages("best")[language])
        for bucket, words in enumerate(pack):
            for word in words:
                bucket_of[_hash(word)] = bucket
        keys = sorted(bucket_of)
        words_only = cls(
            array("Q", keys),
            array("H", (bucket_of[key] for key in keys)),
            array("d", (_rounded_zipf([cB_to_freq(-bucket)]) for bucket in range(len(pack)))),
            array("d"),
            array("d"),
        )
        short = (
            str(number).zfill(digits)
            for digits in range(1, SHORT_NUMBER_DIGITS + 1)
            for number in range(10**digits)
        )
        long = (
            str(first) + "1" * (digits - 1) if first < 10 else "0" * digits
            for digits in range(SHORT_NUMBER_DIGITS + 1, LONG_NUMBER_DIGITS + 1)
            for first in range(11)
        )
        return cls(
            words_only.hashes,
            words_only.buckets,
            words_only.bucket_zipf,
            array("d", (words_only.tokenized_zipf(number, language) for number in short)),
            array("d", (words_only.tokenized_zipf(number, language) for number in long)),
        )

    def _bucket(self, token: str) -> int | None:
        """The bucket of a listed token, None if it is not listed."""
        key = _hash(token)
        index = bisect_left(self.hashes, key)
        if index < len(self.hashes) and self.hashes[index] == key:
            return self.buckets[index]
        return None

    def zipf(self, word: str) -> float | None:
        """The value of a word of Latin letters or a number; None for anything else."""
        if _LATIN.fullmatch(word) and word.casefold() == word:
            bucket = self._bucket(word)
            return _MINIMUM_ZIPF if bucket is None else self.bucket_zipf[bucket]
        if _NUMBER.fullmatch(word):
            if len(word) <= SHORT_NUMBER_DIGITS:
                return self.short_numbers[_short_number_index(word)]
            if len(word) <= LONG_NUMBER_DIGITS:
                return self.long_numbers[_long_number_index(word)]
        return None

    def tokenized_zipf(self, word: str, language: str) -> float:
        """The value of any ``word``, through wordfreq's tokenizer and number estimates as
        ``wordfreq.zipf_frequency`` takes it (imports wordfreq)."""
        from wordfreq import cB_to_freq, lossy_tokenize
        from wordfreq.numbers import digit_freq, smash_numbers

        frequencies: list[float] = []
        for token in lossy_tokenize(word, language):
            smashed = smash_numbers(token)
            bucket = self._bucket(smashed)
            if bucket is None:
                return _MINIMUM_ZIPF  # one unlisted token gives the floor
            frequency = cB_to_freq(-bucket)
            if smashed != token:
                frequency *= digit_freq(token)  # digits were smashed to 0s: this number's own share
            frequencies.append(frequency)
        return _rounded_zipf(frequencies) if frequencies else _MINIMUM_ZIPF


def _rounded_zipf(frequencies: list[float]) -> float:
    """wordfreq's value for a word made of tokens with these frequencies (1 / f = 1 / f1 + …),
    rounded as wordfreq rounds: three significant digits, then two decimals on the Zipf scale."""
    unrounded = max(1.0 / sum(1.0 / frequency for frequency in frequencies), 10**_MINIMUM_ZIPF / 1e9)
    frequency = round(unrounded, math.floor(-math.log(unrounded, 10)) + 3)
    return round(math.log(frequency, 10) + 9, 2)


@cache
def _table(language: str) -> FrequencyTable:
    """The table of ``language`` from the cache folder; a missing one is built by a child process,
    so that wordfreq is not imported into the bot."""
    name = f"word-frequencies-{language}-{metadata.version('wordfreq')}-lookup.pickle"
    code = f"from bot.services.word_frequencies import _table; _table({language!r})"
    return kept_apart(
        name,
        lambda: FrequencyTable.build(language),
        lambda saved: isinstance(saved, FrequencyTable),
        (f"the {language} word list", code, b""),
    )


def zipf(word: str, language: str) -> float:
    """How common ``word`` is in ``language`` ("de" or "en"): ``wordfreq.zipf_frequency``'s value."""
    table = _table(language)
    known = table.zipf(word)
    return known if known is not None else table.tokenized_zipf(word, language)
