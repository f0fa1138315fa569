"""The shipped knowledge base kept between starts.

Building it (analysing every phrasing of every entry, the place names, the classifiers) takes
over a second of CPU at each start; a saved copy loads in a few milliseconds. The copy is named
by a hash of everything it was built from (every file of the ``bot`` package, code and content
alike, and the versions of the libraries that analyse text), so any change builds it afresh.
It lives in the same cache folder as the trained classifiers (``MIGLOBE_CACHE_DIR``).

Building trains the classifiers, which imports scikit-learn; so a running bot that finds no copy
has it built by a process of its own (:func:`saved_or_built`'s ``apart``, see
:func:`bot.services.saved_copies.built_apart`) and only loads the result.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from bot.services.saved_copies import keep_recent, kept, kept_apart

T = TypeVar("T")
PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Copies of the shipped base kept: this version's and the one before (going back to it is quick).
KEPT_BASES = 2
LIBRARIES = ("scikit-learn", "wordfreq", "snowballstemmer", "PyStemmer", "rapidfuzz", "PyYAML")


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


def copy_name(kind: str, given: bytes = b"") -> str:
    """The file name of a copy of ``kind`` built from the current files (and from ``given``)."""
    suffix = f"-{hashlib.sha256(given).hexdigest()[:16]}" if given else ""
    return f"{kind}-{_digest()}{suffix}.pickle"


def saved_or_built(build: Callable[[], T], kind: type[T], apart: str | None = None) -> T:
    """The saved copy for the current files, else ``build()`` (saved for the next start).

    ``apart`` ("module:function", a function that builds and saves the same copy) has a missing
    copy built in a child process first, so that what building imports stays out of this one.
    """
    name = copy_name("knowledge-base")

    def usable(saved: object) -> bool:
        """Whether a loaded copy is of ``kind``."""
        return isinstance(saved, kind)

    if apart is None:
        base = kept(name, build, usable)
    else:
        module, function = apart.split(":")
        code = f"import {module} as built; built.{function}()"
        base = kept_apart(name, build, usable, ("the knowledge base", code, b""))
    keep_recent("knowledge-base-*.pickle", name, KEPT_BASES)
    return base
