"""Freed memory goes back to the system once a burst of updates is over, never while work waits."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from bot.runtime.freed_memory import TRIM_AFTER_UPDATES, FreedMemory, malloc_trim


def test_memory_is_given_back_after_a_bursts_worth_of_updates_and_only_when_idle() -> None:
    trims: list[int] = []
    freed = FreedMemory(trim=lambda pad: trims.append(pad) or 1)
    assert not freed.give_back_if_due(TRIM_AFTER_UPDATES - 1, idle=True)  # not a burst yet
    assert not freed.give_back_if_due(TRIM_AFTER_UPDATES, idle=False)  # updates in hand
    assert freed.give_back_if_due(TRIM_AFTER_UPDATES + 3, idle=True)
    assert not freed.give_back_if_due(TRIM_AFTER_UPDATES + 10, idle=True)  # once per burst
    assert freed.give_back_if_due(2 * TRIM_AFTER_UPDATES + 3, idle=True)
    assert trims == [0, 0]


def test_without_malloc_trim_nothing_is_done() -> None:
    freed = FreedMemory()
    freed._trim = None
    assert not freed.give_back_if_due(10 * TRIM_AFTER_UPDATES, idle=True)


@pytest.mark.skipif(malloc_trim() is None, reason="the C library has no malloc_trim (not glibc)")
def test_giving_back_lowers_the_resident_memory_of_a_process() -> None:
    """A process that freed most of 200 MB it held in small pieces among kept ones: giving the
    memory back lowers its resident size by most of what it freed."""
    script = textwrap.dedent(
        """
        from bot.runtime.freed_memory import FreedMemory, TRIM_AFTER_UPDATES

        def resident_mb():
            for line in open("/proc/self/status"):
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024

        pieces = [bytearray(1500) for _ in range(140_000)]  # about 200 MB, each above pymalloc's size
        kept = pieces[::64]  # one in 64 stays, scattered through the heap
        del pieces
        before = resident_mb()
        assert FreedMemory().give_back_if_due(TRIM_AFTER_UPDATES, idle=True)
        print(before, resident_mb(), len(kept))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    before, after, _kept = (float(word) for word in done.stdout.split())
    assert before - after > 100, (before, after)


async def test_each_bot_process_gives_back_memory_after_a_burst(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.runtime import freed_memory
    from tests.harness import TelegramUser, bot_harness

    monkeypatch.setattr(freed_memory, "TRIM_AFTER_UPDATES", 3)
    async with bot_harness(database_url) as h:
        trims: list[int] = []
        h.runtime.freed_memory = FreedMemory(trim=lambda pad: trims.append(pad) or 1)
        [sweep] = [s for s in h.runtime.sweeps() if s.name == "give-back-freed-memory"]
        assert not sweep.once and sweep.interval_seconds <= 1.0  # every process, soon after a burst
        await sweep.run()  # what this test process handled before counts as one burst
        trims.clear()
        assert await sweep.run() is False  # nothing handled since
        person = TelegramUser(930, "Ida", "de")
        for text in ("/start", "/hilfe", "/datenschutz"):
            await h.text(person, text)
        assert await sweep.run() is True and trims == [0]
