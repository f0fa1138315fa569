"""The shipped knowledge base kept between starts.

Building it (analysing every phrasing of every entry, the place names, the classifiers) takes
over a second of CPU at each start; a saved copy loads in a few milliseconds. The copy is named
by a hash of everything it was built from (every file of the ``bot`` package, code and content
alike, and the versions of the libraries that analyse text), so any change builds it afresh.
It lives in the same cache folder as the trained classifiers (``MIGLOBE_CACHE_DIR``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from bot.services.knowledge_classifier import cache_folder

log = logging.getLogger(__name__)

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
    """The saved copy for the current files, else ``build()`` (saved for the next start).

    A copy that cannot be read or is not a ``kind`` is built again and replaced; a cache folder
    that cannot be written only costs the next start its second.
    """
    path = cache_folder() / f"knowledge-base-{_digest()}.pickle"
    try:
        with path.open("rb") as handle:
            # Only files this program wrote, named by the hash of what they were built from.
            saved = pickle.load(handle)
        if isinstance(saved, kind):
            return saved
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass
    built = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        with partial.open("wb") as handle:
            pickle.dump(built, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)  # atomic: another process never reads half a file
    except OSError as exc:
        log.info("could not save the knowledge base for the next start: %s", exc)
    return built
