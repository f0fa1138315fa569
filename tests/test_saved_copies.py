"""Copies built by a child process: the child's own builds stay in it, and a child that fails or
hangs leaves the building to the caller without stopping the bot."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.services import saved_copies


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of its own, outside any building child."""
    monkeypatch.setenv("MIGLOBE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv(saved_copies.BUILDING_APART, raising=False)
    return tmp_path


def _saving(name: str) -> str:
    """Child code that saves the text it is given (and its own marker) as ``name``."""
    return (
        "import os, sys; from bot.services.saved_copies import kept; "
        f"kept({name!r}, lambda: (sys.stdin.read(), os.environ.get({saved_copies.BUILDING_APART!r})), "
        "lambda saved: True)"
    )


def test_a_child_builds_and_saves_what_the_caller_then_loads(folder: Path) -> None:
    saved_copies.built_apart("a test copy", _saving("copy.pickle"), b"built by the child")
    assert saved_copies.is_saved("copy.pickle")
    loaded = saved_copies.kept("copy.pickle", lambda: pytest.fail("built here"), lambda saved: True)
    assert loaded == ("built by the child", "1")  # the child knew it was one: it starts none itself


def test_inside_a_child_nothing_more_is_started(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(saved_copies.BUILDING_APART, "1")
    monkeypatch.setattr(subprocess, "run", lambda *_a, **_k: pytest.fail("a grandchild was started"))
    saved_copies.built_apart("a test copy", _saving("copy.pickle"))
    assert not saved_copies.is_saved("copy.pickle")


def test_a_failing_or_hanging_child_leaves_the_building_to_the_caller(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=saved_copies.__name__)
    saved_copies.built_apart("a broken copy", "raise SystemExit(3)")
    started = time.monotonic()
    saved_copies.built_apart("a slow copy", "import time; time.sleep(30)", timeout=1.0)
    assert time.monotonic() - started < 10
    assert "the separate build of a broken copy ended with code 3; building it here" in caplog.text
    assert (
        "the separate build of a slow copy did not finish (TimeoutExpired); building it here" in caplog.text
    )
    built = saved_copies.kept("copy.pickle", lambda: "built here", lambda saved: True)
    assert built == "built here"


def test_without_a_known_interpreter_nothing_is_started(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", "")
    monkeypatch.setattr(subprocess, "run", lambda *_a, **_k: pytest.fail("started without an interpreter"))
    saved_copies.built_apart("a test copy", _saving("copy.pickle"))


def _copies(folder: Path, names: list[str]) -> None:
    """Saved copies named ``names``, the first the least recently used (a minute apart)."""
    now = time.time()
    for age, name in enumerate(reversed(names)):
        path = folder / name
        path.write_bytes(b"copy")
        stamp = now - 60 * (age + 1)
        os.utime(path, (stamp, stamp))


def test_only_the_most_recently_used_copies_of_a_kind_are_kept(folder: Path) -> None:
    """The copy just used counts as the newest (an old one reused is kept); the rest beyond
    ``keep`` go, newest kept first; other kinds and unfinished saves are left alone."""
    names = [f"entry-classifier-{n}.pickle" for n in range(6)]
    _copies(folder, names)
    (folder / "knowledge-base-x.pickle").write_bytes(b"other kind")
    (folder / "entry-classifier-9.123.part").write_bytes(b"being saved")
    saved_copies.keep_recent("entry-classifier-*.pickle", names[0], 3)
    left = sorted(p.name for p in folder.glob("entry-classifier-*.pickle"))
    assert left == sorted([names[0], names[4], names[5]])
    assert (folder / "knowledge-base-x.pickle").exists() and (folder / "entry-classifier-9.123.part").exists()


def test_a_copy_that_was_not_saved_removes_nothing(folder: Path) -> None:
    """A folder that could not be written (nothing saved under that name) prunes nothing."""
    names = [f"entry-classifier-{n}.pickle" for n in range(5)]
    _copies(folder, names)
    saved_copies.keep_recent("entry-classifier-*.pickle", "entry-classifier-missing.pickle", 2)
    assert len(list(folder.glob("entry-classifier-*.pickle"))) == 5


def test_what_a_killed_save_left_is_removed_once_it_is_old(folder: Path) -> None:
    """A child killed while saving leaves its unfinished file: once far older than any save takes,
    it goes; one that may still be being written stays."""
    _copies(folder, ["entry-classifier-a.pickle"])
    stale, fresh = folder / "entry-classifier-b.4242.part", folder / "entry-classifier-c.4243.part"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    hours_ago = time.time() - 3 * 3600
    os.utime(stale, (hours_ago, hours_ago))
    saved_copies.keep_recent("entry-classifier-*.pickle", "entry-classifier-a.pickle", 3)
    assert not stale.exists() and fresh.exists()


def test_a_folder_that_refuses_deleting_only_keeps_its_copies(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deleting may be refused (a shared folder): the copies stay, and nothing fails."""
    names = [f"entry-classifier-{n}.pickle" for n in range(4)]
    _copies(folder, names)

    def refuse(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError("not allowed here")

    monkeypatch.setattr(Path, "unlink", refuse)
    saved_copies.keep_recent("entry-classifier-*.pickle", names[-1], 1)
    assert len(list(folder.glob("entry-classifier-*.pickle"))) == 4
