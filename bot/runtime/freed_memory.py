"""Freed memory given back to the system once a burst of updates is over.

Python hands most of what it frees to the C allocator, and glibc's allocator keeps freed pages in
its heap for reuse instead of returning them: without help the process stays as large as it was
at its busiest moment. Once at least :data:`TRIM_AFTER_UPDATES` updates were handled since the last
time and nothing is in hand, the allocator is asked to return its free pages (``malloc_trim``).
It takes a few milliseconds and is never done while updates wait. Where the C library has no
``malloc_trim`` (not glibc), nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

# Updates handled between two returns of freed memory at most (a burst's worth).
TRIM_AFTER_UPDATES = 500

Trim = Callable[[int], int]


def malloc_trim() -> Trim | None:
    """The C library's ``malloc_trim``, or None where there is none."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    trim = getattr(libc, "malloc_trim", None)
    if trim is None:
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim  # type: ignore[no-any-return]


class FreedMemory:
    """Decides when freed memory goes back to the system, and gives it back."""

    def __init__(self, trim: Trim | None = None) -> None:
        """Give memory back with ``trim`` (the C library's ``malloc_trim`` by default)."""
        self._trim = trim if trim is not None else malloc_trim()
        self._handled_at_last = 0.0

    def give_back_if_due(self, handled_so_far: float, idle: bool) -> bool:
        """Give freed memory back if a burst's worth of updates was handled since the last time
        (``handled_so_far`` counts them since the start) and nothing is in hand; True if it did."""
        if self._trim is None or not idle or handled_so_far - self._handled_at_last < TRIM_AFTER_UPDATES:
            return False
        self._handled_at_last = handled_so_far
        self._trim(0)  # 0: keep no free space at the heap's top either
        return True
