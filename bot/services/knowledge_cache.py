"""The shipped knowledge base kept between starts.

Building it (analysing every phrasing of every entry, the place names, the classifiers) takes
over a second of CPU at each start; a saved copy loads in a few milliseconds. The copy is named
by a hash of everything it was built from (every file of the ``bot`` package, code and content
alike, and the versions of the libraries that analyse text), so any change builds it afresh.
It lives in the same cache folder as the trained classifiers (``MIGLOBE_CACHE_DIR``).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from bot.services.saved_copies import kept

T = TypeVar("T")
PACKAGE_DIR = Path(__file__).resolve().parent.parent
LIBRARIES = ("scikit-learn", "wordfreq", "snowballstemmer", "rapidfuzz", "PyYAML")


def _digest() -> str:
    """A hash of the ``bot`` package's files and the text libraries' versions."""
    digest = hashlib.sha256(sys.version.encode())
    for library in LIBRARIES:
        try:
            digest.update(f"{library}={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library}=-".encode())
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def saved_or_built(build: Callable[[], T], kind: type[T]) -> T:
    """The saved copy for the current files, else ``build()`` (saved for the next start)."""
    return kept(f"knowledge-base-{_digest()}.pickle", build, lambda saved: isinstance(saved, kind))
