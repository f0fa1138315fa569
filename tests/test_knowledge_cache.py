"""The built knowledge base is saved between starts and built afresh whenever a file changes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.services import knowledge_cache, saved_copies
from bot.services.knowledge import KnowledgeBase, load_knowledge


@dataclass
class Built:
    """A stand-in for the knowledge base: what was built, and how often."""

    value: str


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of its own and a small package folder whose files name the copy."""
    monkeypatch.setenv("MIGLOBE_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "bot"
    (folder / "knowledge").mkdir(parents=True)
    (folder / "knowledge" / "entry.yaml").write_text("- id: costs\n")
    monkeypatch.setattr(knowledge_cache, "PACKAGE_DIR", folder)
    return folder


def _builder(calls: list[str], value: str = "first") -> Callable[[], Built]:
    """A build that records each call."""

    def build() -> Built:
        calls.append(value)
        return Built(value)

    return build


def test_a_second_start_loads_the_saved_copy(package: Path) -> None:
    calls: list[str] = []
    assert knowledge_cache.saved_or_built(_builder(calls), Built) == Built("first")
    assert knowledge_cache.saved_or_built(_builder(calls, "second"), Built) == Built("first")
    assert calls == ["first"]


def test_a_changed_file_builds_it_again(package: Path) -> None:
    calls: list[str] = []
    knowledge_cache.saved_or_built(_builder(calls), Built)
    (package / "knowledge" / "entry.yaml").write_text("- id: costs-changed\n")
    assert knowledge_cache.saved_or_built(_builder(calls, "second"), Built) == Built("second")
    assert calls == ["first", "second"]


def test_copies_of_older_versions_are_removed_but_the_one_before(package: Path, tmp_path: Path) -> None:
    """Each change of the bot's files saves a new copy (about 15 MB): the current version's and the
    one before it stay (going back is quick), older ones go."""
    calls: list[str] = []
    for version in range(4):
        (package / "knowledge" / "entry.yaml").write_text(f"- id: costs-{version}\n")
        knowledge_cache.saved_or_built(_builder(calls, str(version)), Built)
    assert len(list((tmp_path / "cache").glob("knowledge-base-*.pickle"))) == knowledge_cache.KEPT_BASES
    assert knowledge_cache.saved_or_built(_builder(calls, "again"), Built) == Built("3")
    (package / "knowledge" / "entry.yaml").write_text("- id: costs-2\n")
    assert knowledge_cache.saved_or_built(_builder(calls, "again"), Built) == Built("2")
    assert calls == ["0", "1", "2", "3"]


def test_a_broken_copy_is_built_again_and_replaced(package: Path, tmp_path: Path) -> None:
    calls: list[str] = []
    knowledge_cache.saved_or_built(_builder(calls), Built)
    [saved] = (tmp_path / "cache").glob("knowledge-base-*.pickle")
    saved.write_bytes(b"not a pickle")
    assert knowledge_cache.saved_or_built(_builder(calls, "second"), Built) == Built("second")
    assert knowledge_cache.saved_or_built(_builder(calls, "third"), Built) == Built("second")
    assert calls == ["first", "second"]


def test_the_saved_knowledge_base_answers_as_the_built_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIGLOBE_CACHE_DIR", str(tmp_path))
    built = knowledge_cache.saved_or_built(load_knowledge, KnowledgeBase)
    saved = knowledge_cache.saved_or_built(lambda: pytest.fail("built twice"), KnowledgeBase)
    assert saved is not built
    for question, locale in [
        ("Was kostet die Beratung?", "de"),
        ("Who can apply?", "en"),
        ("Wie wird das Wetter?", "de"),
    ]:
        first, second = built.answer(question, locale), saved.answer(question, locale)
        assert (first.outcome, [m.entry.id for m in first.matches]) == (
            second.outcome,
            [m.entry.id for m in second.matches],
        )


def test_building_happens_in_a_child_and_never_stays_in_the_bots_memory(tmp_path: Path) -> None:
    """A first start (no saved copy) and a chat-made entry (a classifier not trained yet) each
    train in a child process: the bot's own process answers without scikit-learn, SciPy or NumPy
    (about 100 MB that would stay), and the copies are saved for the next start."""
    code = (
        "import dataclasses, sys; from bot.services.knowledge import knowledge_base; "
        "base = knowledge_base(); cold = base.answer('Was kostet die Beratung?', 'de'); "
        "extra = dataclasses.replace(base.entries[0], id='team-1'); "
        "live = base.extended([extra]); live.answer('Was kostet die Beratung?', 'de'); "
        "print([m for m in ('sklearn', 'scipy', 'numpy') if m in sys.modules], cold.outcome.value)"
    )
    env = {**os.environ, "MIGLOBE_CACHE_DIR": str(tmp_path)}
    env.pop(saved_copies.BUILDING_APART, None)
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert found.stdout.split() == ["[]", "answer"]
    assert len(list(tmp_path.glob("knowledge-base-*.pickle"))) == 1
    # The shipped base's two classifiers (de, en) and the two trained with the chat-made entry.
    assert len(list(tmp_path.glob("entry-classifier-*.pickle"))) == 4
