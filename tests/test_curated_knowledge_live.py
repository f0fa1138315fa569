"""The live knowledge base and the export of chat-made answers: built once per version of the entries
(a change made by another process is seen with the next question), and ``export-knowledge`` writes
a file the content loader accepts, also for an answer in one language only."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import load_settings
from bot.db import Database
from bot.knowledge_export_command import export_knowledge
from bot.services import knowledge_curated_text as rules
from bot.services import knowledge_curation as curation
from bot.services import knowledge_live, saved_copies
from bot.services.knowledge import KnowledgeBase, knowledge_base
from bot.services.knowledge_live import knowledge_for
from bot.services.knowledge_loader import load_entries
from bot.services.knowledge_model import Entry
from bot.services.saved_copies import cache_folder
from models import CuratedEntry, CuratedStatus, utcnow

ROOT = Path(__file__).resolve().parent.parent
PARKING = "Gibt es einen Parkplatz am Rathaus für die Beraterin?"
PARAPHRASE = "Gibt es Parkplätze am Rathaus für Berater?"
TODAY = date(2026, 3, 12)


async def _add(db: Database, **fields: object) -> int:
    """Store an entry as the chat would (without the question it came from)."""
    values = {"status": CuratedStatus.LIVE.value, "as_of": TODAY, "revision": 1, **fields}
    async with db.transaction() as session:
        entry = CuratedEntry(**values, created_at=utcnow(), updated_at=utcnow())
        session.add(entry)
        await session.flush()
        return entry.id


async def test_the_live_base_is_rebuilt_only_when_the_entries_changed(database_url: str) -> None:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            assert await knowledge_for(session) is knowledge_base()  # nothing made in the chat yet
        entry_id = await _add(db, questions={"de": [PARKING]}, answers={"de": "Ja, zwei Plätze."})
        async with db.transaction() as session:
            first = await knowledge_for(session)
        async with db.transaction() as session:
            assert await knowledge_for(session) is first  # unchanged: not built again
        entry = first.get(rules.key(entry_id))
        assert entry is not None and entry.topic == "team" and set(entry.texts) == {"de"}
        assert entry.text("en").answer == "Ja, zwei Plätze."  # the other language falls back
        assert [s.label for s in entry.sources] == ["MiGlobe-Programmteam"] and entry.sources[0].url == ""
        assert (entry.as_of.date, str(entry.as_of)) == (TODAY, "2026-03-12")
        best = first.answer(PARAPHRASE, "de").best
        assert best is not None and best.entry.id == rules.key(entry_id)

        # Another process changes the answer (raising the revision, as every change does).
        async with db.transaction() as other:
            await other.execute(
                text("UPDATE curated_entries SET answers = :answers, revision = revision + 1 WHERE id = :id"),
                {"answers": '{"de": "Nein, leider keine."}', "id": entry_id},
            )
        async with db.transaction() as session:
            changed = await knowledge_for(session)
        assert changed is not first
        changed_entry = changed.get(rules.key(entry_id))
        assert changed_entry is not None and changed_entry.text("de").answer == "Nein, leider keine."

        # Retired elsewhere: gone from the answers with the next question.
        async with db.transaction() as other:
            done = await curation.set_live(other, entry_id, False, None, utcnow())
            assert done.kind is curation.Outcome.DONE
        async with db.transaction() as session:
            retired = await knowledge_for(session)
        assert retired.get(rules.key(entry_id)) is None
        assert retired.answer(PARAPHRASE, "de").best is None
    finally:
        await db.dispose()


async def test_export_writes_the_live_answers_in_the_content_format(
    database_url: str, tmp_path: Path
) -> None:
    db = Database(database_url)
    try:
        german_only = await _add(
            db,
            questions={"de": [PARKING, "Wo parkt die Beraterin?"]},
            answers={"de": "Ja: zwei Plätze <Hof> & {Pforte}.\n  Bitte an der Pforte melden."},
        )
        both = await _add(
            db,
            questions={"en": ["Is there parking for the advisor?"]},
            answers={"de": "Ja, zwei Plätze.", "en": "Yes, two spaces."},
        )
        retired = await _add(
            db, status=CuratedStatus.RETIRED.value, questions={"de": ["Alt?"]}, answers={"de": "Alt."}
        )
    finally:
        await db.dispose()
    output = tmp_path / "export" / "team.yaml"
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", "export-knowledge", "--output", str(output)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"2 live entries written to {output}" in result.stdout
    written = output.read_text(encoding="utf-8")
    entries = {entry.id: entry for entry in load_entries(output.parent, today=TODAY)}
    assert set(entries) == {rules.key(german_only), rules.key(both)} and rules.key(retired) not in written
    german = entries[rules.key(german_only)]
    assert german.text("de").questions == (PARKING, "Wo parkt die Beraterin?")
    assert german.text("de").answer.rstrip("\n") == (
        "Ja: zwei Plätze &lt;Hof&gt; &amp; &#123;Pforte&#125;.\n  Bitte an der Pforte melden."
    )
    # The language the team did not write is a copy, marked for translation.
    assert german.text("en").answer == german.text("de").answer
    assert "  en:  # TODO: translate – a copy of the German text" in written
    assert str(german.as_of) == "2026-03-12" and german.topic == "team"
    assert [source.title for source in german.sources] == ["MiGlobe-Programmteam"]
    mixed = entries[rules.key(both)]
    assert (mixed.text("de").answer.strip(), mixed.text("en").answer.strip()) == (
        "Ja, zwei Plätze.",
        "Yes, two spaces.",
    )
    assert mixed.text("de").questions == ("Is there parking for the advisor?",)  # borrowed, marked
    assert "  de:  # TODO: add questions in this language" in written


def test_export_without_a_file_prints_the_yaml(database_url: str, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert export_knowledge(load_settings(database_url=database_url), None, out, err) == 0
    assert out.getvalue().startswith("# Answers the coordination team made in the chat")
    assert "0 live entries exported." in err.getvalue()
    (tmp_path / "empty.yaml").write_text(out.getvalue(), encoding="utf-8")
    assert load_entries(tmp_path) == ()


def _warm_cache(folder: Path) -> None:
    """A cache folder of its own holding the shipped base's saved copies (so a child does not
    build them again)."""
    source = cache_folder()
    knowledge_base()  # the shipped copies exist in the default folder
    folder.mkdir(parents=True, exist_ok=True)
    for kept_copy in source.glob("*.pickle"):
        if not kept_copy.name.startswith(knowledge_live.LIVE_COPY):
            shutil.copy(kept_copy, folder / kept_copy.name)


def _parking(entry_id: int, answer: str) -> Entry:
    """A chat-made entry about parking."""
    row = CuratedEntry(
        id=entry_id, status=CuratedStatus.LIVE.value, as_of=TODAY, revision=1,
        questions={"de": [PARKING]}, answers={"de": answer},
    )  # fmt: skip
    entry = knowledge_live.to_entry(row)
    assert entry is not None
    return entry


def test_a_child_process_builds_the_live_base_and_one_copy_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live base is built by a child process (building it here would leave tens of MB behind):
    this process only loads it. A newer version's copy replaces the older one in the cache folder."""
    _warm_cache(tmp_path)
    monkeypatch.setenv("MIGLOBE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv(saved_copies.BUILDING_APART, raising=False)

    def not_here(*_: object) -> None:
        raise AssertionError("the live base was built in the bot's own process")

    monkeypatch.setattr(KnowledgeBase, "extended", not_here)
    first = knowledge_live._extended([_parking(1, "Ja, zwei Plätze.")])
    best = first.answer(PARAPHRASE, "de").best
    assert best is not None and best.entry.id == rules.key(1)
    assert len(list(tmp_path.glob(f"{knowledge_live.LIVE_COPY}-*.pickle"))) == 1
    second = knowledge_live._extended([_parking(1, "Nein, leider keine.")])
    changed = second.get(rules.key(1))
    assert changed is not None and changed.text("de").answer == "Nein, leider keine."
    assert len(list(tmp_path.glob(f"{knowledge_live.LIVE_COPY}-*.pickle"))) == 1


def test_without_a_child_the_live_base_is_built_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A child that cannot run (here: none is started) leaves the building to this process."""
    _warm_cache(tmp_path)
    monkeypatch.setenv("MIGLOBE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(saved_copies, "built_apart", lambda *_args: None)
    base = knowledge_live._extended([_parking(2, "Ja, zwei Plätze.")])
    best = base.answer(PARAPHRASE, "de").best
    assert best is not None and best.entry.id == rules.key(2)


def test_a_long_question_becomes_a_title_cut_after_a_whole_word() -> None:
    """A title longer than the limit ends after its last whole word, never inside one."""
    title = rules.title(["Können die Berater*innen auch an einem Samstag zu uns kommen, etwa zum Fest?"])
    assert title == "Können die Berater*innen auch an einem Samstag zu uns…"
    assert rules.title(["Kurz und klar?"]) == "Kurz und klar?"
    # One very long word: cut inside it, as there is no word end to cut after.
    assert rules.title(["Donaudampfschifffahrtsgesellschaftskapitänsmützen" * 2]).endswith("…")
    assert len(rules.title(["Donaudampfschifffahrtsgesellschaftskapitänsmützen" * 2])) == 60
