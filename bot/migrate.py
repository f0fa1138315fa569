"""Bring the database to the current schema with Alembic (``python -m bot migrate`` and start-up).

A database already at :data:`HEAD_REVISION` is recognised with one query, without loading Alembic
(about 12 MB a process would keep for nothing); ``tests/test_migrations.py`` holds the constant
to the migrations' real head.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations
from bot.db import create_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(migrations.__file__).parent
# The newest revision under migrations/versions: raise it with every new migration.
HEAD_REVISION = "0014"


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for ``database_url`` that needs no alembic.ini."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade_sync(database_url: str, revision: str = "head") -> None:
    """Upgrade to ``revision`` (blocking; do not call from a running event loop)."""
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


async def at_head(engine: AsyncEngine) -> bool:
    """Whether the database is at :data:`HEAD_REVISION` (False when it holds no schema yet)."""
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return {str(row[0]) for row in rows} == {HEAD_REVISION}
    except DBAPIError:
        return False  # no alembic_version table: an empty database


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Upgrade to ``revision`` from async code, on one connection of an async engine."""
    engine = create_engine(database_url)

    def _run(connection: object) -> None:
        """Run Alembic's upgrade on the given connection."""
        from alembic import command

        config = alembic_config(database_url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    try:
        if revision == "head" and await at_head(engine):
            return
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def current_revision_sync(database_url: str) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    async def _read() -> str | None:
        """The database's current Alembic revision."""
        engine = create_engine(database_url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(
                    lambda c: MigrationContext.configure(c).get_current_revision()
                )
        finally:
            await engine.dispose()

    return asyncio.run(_read())
