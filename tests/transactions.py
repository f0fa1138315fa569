"""Which transactions a test's bot opens, whether each is durable, and the statements it runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from bot.db import Database
from tests.harness import Harness


def record_transactions(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each transaction opened from now on is durable, in order."""
    flags: list[bool] = []
    real = harness.runtime.db.transaction

    def recording(*, urgent: bool = False, durable: bool = False) -> Any:
        flags.append(durable)
        return real(urgent=urgent, durable=durable)

    monkeypatch.setattr(harness.runtime.db, "transaction", recording)
    return flags


@contextmanager
def recorded_statements(db: Database) -> Iterator[list[str]]:
    """The SQL statements ``db`` runs inside the block, in order."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
