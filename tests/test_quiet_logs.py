"""Quiet logs: no SQL parameter, no raw update and no message text in any log record."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.logging_setup import describe_error
from bot.services import users
from models import InboxUpdate, User, utcnow
from tests.harness import Harness, TelegramUser

NAME = "Mariele Musterfrau"
EMAIL = "mariele.musterfrau@example.org"
TEXT = f"Ich bin {NAME}, erreichbar unter {EMAIL}"


def _everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


async def _insert_twice(session: AsyncSession, identity: Any, _default: str) -> User:
    """Writes the person's e-mail address as a bound parameter, then violates a unique constraint."""
    for _ in range(2):
        session.add(
            User(telegram_id=identity.telegram_id, first_name=EMAIL, locale="de", created_at=utcnow())
        )
        await session.flush()
    raise AssertionError("unreachable")


async def _raise_with_text(_session: AsyncSession, identity: Any, _default: str) -> User:
    """A bug whose message quotes what the person sent (as int(text) or a KeyError would)."""
    raise ValueError(f"cannot read {TEXT!r} from {identity.first_name}")


@pytest.mark.parametrize("failure", [_insert_twice, _raise_with_text], ids=["integrity-error", "value-error"])
async def test_a_failing_update_logs_its_id_and_error_type_but_no_personal_data(
    harness: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, failure: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(users, "touch", failure)
    [apology] = await harness.text(TelegramUser(811, NAME, "de"), TEXT)
    assert apology.text.startswith("Entschuldigung")
    update_id = harness.last_payload["update_id"]  # type: ignore[index]
    logged = _everything_logged(caplog)
    assert f"update {update_id} failed: " in logged  # the failure is visible, with its type
    assert ("IntegrityError" in logged) if failure is _insert_twice else ("ValueError" in logged)
    for secret in (NAME, "Musterfrau", EMAIL, "erreichbar"):
        assert secret not in logged
    async with harness.runtime.db.transaction() as session:
        row = await session.scalar(select(InboxUpdate).where(InboxUpdate.update_id == update_id))
    assert row is not None and row.status == "failed" and row.payload["message"]["text"] == TEXT
    if failure is _insert_twice:  # the row names the constraint, never a "DETAIL: Key (…)=(…)"
        assert (row.error or "").startswith("IntegrityError") and "DETAIL" not in (row.error or "")


async def test_handled_updates_and_library_debug_records_carry_no_text(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await harness.text(TelegramUser(812, NAME, "de"), TEXT)
    await harness.press(TelegramUser(812, NAME, "de"), "nothing-registered")
    # PTB's own records that quote whole updates or call parameters, made here on purpose.
    update = Update.de_json(harness.last_payload, harness.runtime.application.bot)  # type: ignore[arg-type]
    logging.getLogger("telegram.ext.Application").debug("Processing update %s", update)
    logging.getLogger("telegram.Bot").critical(
        "Error while parsing updates! Received data was %r", [{"x": TEXT}]
    )
    logging.getLogger("telegram.ext.ExtBot").debug(
        "Calling Bot API endpoint `%s` with parameters `%s`", "sendMessage", {"text": TEXT}
    )
    logged = _everything_logged(caplog)
    assert "Processing update <update" in logged and "sendMessage" in logged
    for secret in (NAME, EMAIL, "erreichbar"):
        assert secret not in logged


def test_database_errors_are_described_without_their_detail_line() -> None:
    from sqlalchemy.exc import IntegrityError

    class UniqueViolation(Exception):
        sqlstate = "23505"

    orig = UniqueViolation(
        'duplicate key value violates unique constraint "uq_users_email"\n'
        "DETAIL:  Key (email)=(a@b.de) exists."
    )
    described = describe_error(IntegrityError("INSERT INTO users …", {"email": "a@b.de"}, orig))
    assert described == 'IntegrityError: duplicate key value violates unique constraint "uq_users_email"'
    assert describe_error(ValueError("a@b.de")) == "ValueError"


async def test_the_engine_keeps_parameters_out_of_error_messages(harness: Harness) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError) as caught:
        async with harness.runtime.db.transaction() as session:
            await _insert_twice(session, users.TelegramIdentity(813, "x", None, "de"), "de")
    assert EMAIL not in str(caught.value) and "parameters hidden" in str(caught.value)
