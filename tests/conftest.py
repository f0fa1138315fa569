"""Shared fixtures: every database test runs on SQLite and, when TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

POSTGRES_ENV = "TEST_POSTGRES_URL"


def pytest_report_header(config: pytest.Config) -> str:
    """Say loudly which databases the suite runs on."""
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return f"databases: SQLite and PostgreSQL ({url})"
    return f"databases: SQLite only - set {POSTGRES_ENV} to run the suite on PostgreSQL too"


def pytest_configure(config: pytest.Config) -> None:
    """Before any worker starts: build the shipped knowledge base's saved copies once (a fresh
    machine has none), so that the workers and their bot processes only load them instead of
    building them all at once at the start, the long tests' bot processes starving meanwhile."""
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller did it
    code = "from bot.services.knowledge import save_knowledge_base; save_knowledge_base()"
    subprocess.run([sys.executable, "-c", code], check=False, capture_output=True)


# The tests that run real bot processes, a browser or several processes take tens of seconds each
# and mostly wait (on sends paced to a rate, on a process starting). They go first, in two xdist
# groups (``--dist loadgroup`` in pyproject.toml): two workers run them one after another, the
# other workers run the short tests meanwhile, at a lower CPU priority, so that the long tests'
# bot processes answer in time on a machine with two cores.
_LONG_MODULES = ("test_sandbox_journey", "test_sandbox_command", "test_sandbox_page", "test_polling_standby")
# Seconds a long test of a module takes (measured roughly), to give both groups as much to do.
# The tests that run many bot processes at once share a group, so they never meet.
_SECONDS = {"test_broadcast_e2e": 40, "test_intake_e2e": 25, "test_coordinator_requests_e2e": 28}
_HEAVY = ("test_chaos_e2e", "test_several_processes_e2e")
_HEAVY_SECONDS, _OTHER_SECONDS = 75, 12
_SHORT_TEST_NICENESS = 10


def _module(item: pytest.Item) -> str:
    """The test module's own name."""
    return item.module.__name__.rsplit(".", 1)[-1] if item.module else ""


def _is_long(item: pytest.Item) -> bool:
    """Whether ``item`` belongs to the long tests (every ``*_e2e`` module and a few more)."""
    return _module(item).endswith("_e2e") or _module(item) in _LONG_MODULES


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Long tests first, in two groups of about equal length (the heavy ones together)."""
    items.sort(key=lambda item: not _is_long(item))
    load = {"long-a": 0, "long-b": 0}
    long_items = [item for item in items if _is_long(item)]
    for item in sorted(long_items, key=lambda item: _module(item) not in _HEAVY):
        if _module(item) in _HEAVY:
            group, seconds = "long-a", _HEAVY_SECONDS
        else:
            group, seconds = min(load, key=load.__getitem__), _SECONDS.get(_module(item), _OTHER_SECONDS)
        load[group] += seconds
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Run short tests at a lower CPU priority than the long tests' bot processes."""
    if not _is_long(item) and os.getpriority(os.PRIO_PROCESS, 0) < _SHORT_TEST_NICENESS:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, 0, _SHORT_TEST_NICENESS)


def _database_params() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


async def _create_pg_database(admin_url: str, name: str, template: str | None = None) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        copy = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{copy}')
    finally:
        await conn.close()


async def _drop_pg_database(admin_url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _pg_url_with_database(url: str, name: str) -> str:
    base, _, _old = url.rpartition("/")
    return f"{base}/{name}"


# One migrated template per database kind and test process: a test gets a copy (SQLite: the file,
# PostgreSQL: CREATE DATABASE … TEMPLATE), which takes a fraction of running every migration again.
_templates: dict[str, str] = {}


def _sqlite_template(factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file to copy (made once per test process)."""
    if "sqlite" not in _templates:
        from bot import migrate

        path = factory.mktemp("template") / "template.db"
        asyncio.run(migrate.upgrade(f"sqlite+aiosqlite:///{path}"))
        _templates["sqlite"] = str(path)
    return Path(_templates["sqlite"])


def _copy_sqlite(source: Path, target: Path) -> None:
    """Copy an SQLite database with the backup API (safe whatever its WAL holds)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _pg_template(admin: str) -> str:
    """The name of a migrated PostgreSQL database to copy (made once per test process)."""
    if "postgresql" not in _templates:
        from bot import migrate

        name = f"miglobe_template_{uuid.uuid4().hex[:12]}"
        asyncio.run(_create_pg_database(admin, name))
        asyncio.run(migrate.upgrade(_pg_url_with_database(admin, name)))
        _templates["postgresql"] = name
    return _templates["postgresql"]


def _admin_url() -> str:
    admin = os.environ[POSTGRES_ENV]
    if not admin.startswith("postgresql+asyncpg://"):
        admin = "postgresql+asyncpg://" + admin.split("://", 1)[1]
    return admin


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop this process's PostgreSQL template."""
    name = _templates.pop("postgresql", None)
    if name is not None:
        with contextlib.suppress(Exception):
            asyncio.run(_drop_pg_database(_admin_url(), name))


@pytest.fixture(params=_database_params())
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database of its own for the test: migrated to the current schema, or empty for tests marked
    ``empty_database`` (the migration tests). A PostgreSQL database is dropped afterwards."""
    empty = request.node.get_closest_marker("empty_database") is not None
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        if not empty:
            _copy_sqlite(_sqlite_template(tmp_path_factory), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    yield from _postgres_database(empty)


def _postgres_database(empty: bool = False) -> Iterator[str]:
    """A PostgreSQL database of its own, dropped afterwards; skipped loudly when none is reachable."""
    if not os.environ.get(POSTGRES_ENV):
        message = f"{POSTGRES_ENV} is not set; skipping a test that needs PostgreSQL"
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    admin = _admin_url()
    name = f"miglobe_test_{uuid.uuid4().hex[:12]}"
    try:
        template = None if empty else _pg_template(admin)
        asyncio.run(_create_pg_database(admin, name, template))
    except (OSError, Exception) as exc:
        message = f"PostgreSQL at {POSTGRES_ENV} is not reachable ({exc}); skipping the PostgreSQL run"
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    try:
        yield _pg_url_with_database(admin, name)
    finally:
        asyncio.run(_drop_pg_database(admin, name))


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database of its own, for what only PostgreSQL does (several processes
    sharing one database); the test is skipped, with a warning, when no PostgreSQL is reachable."""
    yield from _postgres_database()


@pytest.fixture
async def harness(database_url: str) -> AsyncIterator[object]:
    """The bot with its real handlers on an empty, migrated database, offline."""
    from tests.harness import bot_harness

    async with bot_harness(database_url, coordinator_ids="900") as h:
        yield h
