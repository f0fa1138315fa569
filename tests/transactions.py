"""Which transactions a test's bot opens, and whether each is durable."""

from __future__ import annotations

from typing import Any

import pytest

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
