"""A message looks up neither an intake draft nor an open text question its sender does not have:
the statement that reads the sender says so (:mod:`bot.services.absent_rows`)."""

from __future__ import annotations

from datetime import timedelta

from bot.services import chat_inputs, intake, users
from bot.services.intake import DraftTiming
from bot.services.users import TelegramIdentity
from models import utcnow
from tests.harness import TelegramUser, bot_harness
from tests.transactions import recorded_statements

ANNA = TelegramUser(907, "Anna", "de")
TIMING = DraftTiming(timedelta(hours=24), timedelta(days=7))


def _lookups(statements: list[str]) -> list[str]:
    """The statements that read a draft or an open text question on their own."""
    return [s for s in statements if s.startswith(("SELECT intake_drafts.", "SELECT chat_inputs."))]


async def test_messages_of_someone_with_neither_look_neither_up(database_url: str) -> None:
    async with bot_harness(database_url) as h:
        await h.text(ANNA, "/start")
        with recorded_statements(h.runtime.db) as statements:
            for text in ("/start", "Hallo", "Was kostet die Beratung?", "/status"):
                assert await h.text(ANNA, text)  # answered as before
        assert _lookups(statements) == []
        # With an intake under way the draft is read, and the text goes to the intake.
        async with h.runtime.db.transaction() as session:
            user = await users.get_by_telegram_id(session, ANNA.id)
            assert user is not None
            await intake.start(session, user.id, TIMING)
        with recorded_statements(h.runtime.db) as statements:
            await h.text(ANNA, "Tübingen")
        assert any(s.startswith("SELECT intake_drafts.") for s in _lookups(statements))


async def test_a_row_written_in_the_same_transaction_is_read_again(database_url: str) -> None:
    async with bot_harness(database_url) as h:
        await h.text(ANNA, "/start")
        identity = TelegramIdentity(ANNA.id, ANNA.first_name, None, "de")
        async with h.runtime.db.transaction() as session:
            user = await users.touch(session, identity, "de")
            with recorded_statements(h.runtime.db) as statements:
                assert await intake.get_draft(session, user.id) is None
                assert await chat_inputs.current(session, user.id, utcnow()) is None
            assert _lookups(statements) == []  # known from the sender's statement
            started = await intake.start(session, user.id, TIMING)  # an INSERT statement
            assert (await intake.get_draft(session, user.id)) is started
            await chat_inputs.expect(session, user.id, "note", utcnow())  # a flush of a new row
            found = await chat_inputs.current(session, user.id, utcnow())
            assert found is not None and found.kind == "note"
