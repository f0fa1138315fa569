"""Shared fixtures: every database test runs on SQLite and, when TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
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


# Tests that run the real bot process, a browser, or measure pacing share one xdist worker, one after
# another, so that two bot processes never compete for the machine; the rest spread over the others.
_SERIAL_MODULES = {"test_sandbox_command", "test_sandbox_page", "test_dispatcher_and_limits"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put every end-to-end test into one xdist group (see ``--dist loadgroup`` in pyproject.toml)."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        if module.endswith("_e2e") or module in _SERIAL_MODULES:
            item.add_marker(pytest.mark.xdist_group("end-to-end"))


def _database_params() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


async def _create_pg_database(admin_url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
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


@pytest.fixture(params=_database_params())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a fresh SQLite file, or a fresh PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    admin = os.environ[POSTGRES_ENV]
    if not admin.startswith("postgresql+asyncpg://"):
        admin = "postgresql+asyncpg://" + admin.split("://", 1)[1]
    name = f"miglobe_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_create_pg_database(admin, name))
    except (OSError, Exception) as exc:
        message = f"PostgreSQL at {POSTGRES_ENV} is not reachable ({exc}); skipping the PostgreSQL run"
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    try:
        yield _pg_url_with_database(admin, name)
    finally:
        asyncio.run(_drop_pg_database(admin, name))


@pytest.fixture
async def harness(database_url: str) -> AsyncIterator[object]:
    """The bot with its real handlers on an empty, migrated database, offline."""
    from tests.harness import bot_harness

    async with bot_harness(database_url, coordinator_ids="900") as h:
        yield h
