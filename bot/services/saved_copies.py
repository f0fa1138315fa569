"""Expensive results kept between starts in the cache folder, named by what they were made from.

The knowledge base and its classifiers take seconds of CPU to build; a saved copy loads in
milliseconds. Each copy's file name carries a hash of everything it was built from, so a change
builds it afresh, and a stale or broken file is simply replaced.

Building some copies imports scikit-learn, SciPy and NumPy (about 100 MB that Python never gives
back), so a running bot has a missing copy built by a child process (:func:`built_apart`) and
only loads it; where that fails it builds the copy itself.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

log = logging.getLogger(__name__)

T = TypeVar("T")
# Set in a child that builds copies: it builds what it needs itself instead of starting children.
BUILDING_APART = "MIGLOBE_BUILDING_APART"
# A child that has not finished by then is stopped (the caller builds the copy itself).
BUILD_TIMEOUT_SECONDS = 600.0
# What a child process is to build: what it is (for the log), its Python code and its input.
Apart = tuple[str, str, bytes]
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


def keep_recent(pattern: str, used: str, keep: int) -> None:
    """Note that the copy ``used`` was just used, then delete all but the ``keep`` most recently
    used copies whose names match ``pattern``: each change of the code or of the team's answers
    saves new copies, and the old ones would fill the folder for good. A copy deleted under
    another process only costs it the building again."""
    folder = cache_folder()
    try:
        os.utime(folder / used)
        copies = [(path.stat().st_mtime, path) for path in folder.glob(pattern)]
        # What a save cut short (a killed child) left: no save takes this long.
        unfinished = [
            path
            for path in folder.glob(pattern.replace(".pickle", ".*.part"))
            if time.time() - path.stat().st_mtime > 2 * BUILD_TIMEOUT_SECONDS
        ]
    except OSError:
        return  # not saved (a folder that cannot be written), or one vanished meanwhile: next time
    copies.sort(key=lambda copy: copy[0], reverse=True)
    for path in [p for _used_at, p in copies[keep:] if p.name != used] + unfinished:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            return  # a folder we may not delete in: the copies only take room


def is_saved(name: str) -> bool:
    """Whether the cache folder holds a file ``name`` (usable or not: :func:`kept` decides)."""
    return (cache_folder() / name).is_file()


def kept_apart(name: str, build: Callable[[], T], usable: Callable[[object], bool], apart: Apart) -> T:
    """:func:`kept`, but a copy not saved yet is first built by a child process running
    ``apart`` (:func:`built_apart`); ``build`` is left for when that did not work."""
    if not is_saved(name):
        built_apart(*apart)
    return kept(name, build, usable)


def built_apart(what: str, code: str, given: bytes = b"", timeout: float = BUILD_TIMEOUT_SECONDS) -> None:
    """Run the Python ``code`` (which builds and saves a copy) in a child of the same interpreter,
    with ``given`` on its standard input, and wait for it (at most ``timeout`` seconds); inside
    such a child, or without a known interpreter, do nothing.

    Failures are only logged: the caller then builds the copy itself, with the same errors.
    """
    if os.environ.get(BUILDING_APART) or not sys.executable:
        return
    log.info("building %s in a separate process", what)
    try:
        finished = subprocess.run(
            [sys.executable, "-c", code],
            input=given,
            capture_output=True,
            check=False,
            timeout=timeout,
            env={**os.environ, BUILDING_APART: "1"},
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("the separate build of %s did not finish (%s); building it here", what, type(exc).__name__)
        return
    if finished.returncode != 0:
        log.info("the separate build of %s ended with code %d; building it here", what, finished.returncode)
