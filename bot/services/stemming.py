"""The Snowball stemmers of the bot's languages: one per language and thread, without a cache.

snowballstemmer hands out PyStemmer's compiled stemmers when PyStemmer is installed (a
dependency): the same stems as its pure-Python ones, without loading those for 34 languages. A
compiled stemmer may not be called from two threads at once (a knowledge base is built in a
worker thread while the event loop answers) and cannot be pickled with an analyzer, so analyzers
ask here instead of holding one. Its own cache of 10,000 words (about 2 MB a language) is turned
off: the analyzer keeps the stems it needs.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import snowballstemmer

_ALGORITHMS = {"de": "german", "en": "english"}


def stemmer(language: str) -> Any:
    """The stemmer of ``language`` ("de" or "en") for the calling thread."""
    return _stemmer(language, threading.get_ident())


@cache
def _stemmer(language: str, _thread: int) -> Any:
    """A new stemmer of ``language``, its own cache turned off."""
    found = snowballstemmer.stemmer(_ALGORITHMS[language])
    if hasattr(found, "maxCacheSize"):
        found.maxCacheSize = 0
    return found
