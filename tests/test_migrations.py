"""Migrations: a fresh database and one at the previous revision both reach head; models match."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot import migrate
from bot.db import create_engine
from models import Base

ROOT = Path(__file__).resolve().parent.parent

# These tests migrate from scratch or from an older revision: they need an empty database.
pytestmark = pytest.mark.empty_database


def _head_and_previous() -> tuple[str, str]:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    head = script.get_current_head()
    assert head is not None
    previous = script.get_revision(head).down_revision
    assert isinstance(previous, str), "the schema should have at least two revisions"
    return head, previous


async def _state(url: str) -> tuple[str | None, set[str], list[object]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:

            def read(sync_connection: object) -> tuple[str | None, set[str], list[object]]:
                context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
                tables = set(inspect(sync_connection).get_table_names())
                diff = compare_metadata(context, Base.metadata)
                return context.get_current_revision(), tables, diff

            return await connection.run_sync(read)
    finally:
        await engine.dispose()


async def test_fresh_database_reaches_head_and_matches_the_models(database_url: str) -> None:
    head, _previous = _head_and_previous()
    await migrate.upgrade(database_url)
    revision, tables, diff = await _state(database_url)
    assert revision == head
    assert {"users", "user_roles", "inbox", "outbox", "intake_drafts", "kickoff_requests"} <= tables
    assert diff == []


async def test_database_at_previous_revision_reaches_head(database_url: str) -> None:
    head, previous = _head_and_previous()
    await migrate.upgrade(database_url, previous)
    revision, before, diff = await _state(database_url)
    assert revision == previous and diff != []  # the head revision changes the schema
    await migrate.upgrade(database_url)
    revision, tables, diff = await _state(database_url)
    assert revision == head and before <= tables and diff == []


def test_migrate_command(database_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    head, _ = _head_and_previous()
    assert f"({head})" in result.stdout


def test_the_head_constant_is_the_migrations_head() -> None:
    """Start-up recognises a current database by HEAD_REVISION: it must be the real head."""
    assert migrate.HEAD_REVISION == _head_and_previous()[0]


def _loads_alembic_when_starting_on(database_url: str) -> bool:
    """Whether a fresh process that brings ``database_url`` to the current schema imports Alembic."""
    code = (
        "import asyncio, sys; from bot import migrate; "
        f"asyncio.run(migrate.upgrade({database_url!r})); print('alembic' in sys.modules)"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return found.stdout.strip() == "True"


async def test_a_start_on_a_current_database_leaves_alembic_out(database_url: str) -> None:
    """An empty database is migrated with Alembic; one already at head is recognised without it."""
    assert _loads_alembic_when_starting_on(database_url)
    revision, _tables, _diff = await _state(database_url)
    assert revision == migrate.HEAD_REVISION
    assert not _loads_alembic_when_starting_on(database_url)
