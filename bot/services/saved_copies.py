"""Expensive results kept between starts in the cache folder, named by what they were made from.

The knowledge base and its classifiers take seconds of CPU to build; a saved copy loads in
milliseconds. Each copy's file name carries a hash of everything it was built from, so a change
builds it afresh, and a stale or broken file is simply replaced.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

log = logging.getLogger(__name__)

T = TypeVar("T")
# What a file that is not a copy this program can use raises when it is read.
_UNREADABLE = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError)


def cache_folder() -> Path:
    """Where copies are kept (``MIGLOBE_CACHE_DIR``, else ``~/.cache/miglobe-bot``)."""
    configured = os.environ.get("MIGLOBE_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "miglobe-bot"


def kept(name: str, build: Callable[[], T], usable: Callable[[object], bool]) -> T:
    """The copy saved as ``name`` in the cache folder if it is ``usable``, else ``build()``, saved
    there for the next start.

    A folder that cannot be written only costs the next start the building again.
    """
    path = cache_folder() / name
    try:
        with path.open("rb") as handle:
            # Only files this program wrote, named by the hash of what they were built from.
            saved = pickle.load(handle)
        if usable(saved):
            return cast(T, saved)
    except _UNREADABLE:
        pass
    built = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        with partial.open("wb") as handle:
            pickle.dump(built, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)  # atomic: another process never reads half a file
    except OSError as exc:
        log.info("could not save %s for the next start: %s", name, exc)
    return built
