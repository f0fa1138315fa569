"""Data at rest: a handled update keeps no payload, a sent message no content, an ephemeral one no row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.db import Database
from bot.runtime import outbox
from bot.runtime.rate_limit import SendRateLimiter
from bot.runtime.sender import OutboxSender
from models import InboxUpdate, OutboxMessage
from tests.harness import Harness, TelegramUser, drain_outbox

SECRET = "Kontakt: Frau Beispiel, beispiel@example.org, 0711 123456"


async def test_a_handled_update_keeps_only_its_id_chat_status_and_times(harness: Harness) -> None:
    await harness.text(TelegramUser(901, "Ada", "de"), SECRET)
    update_id = harness.last_payload["update_id"]  # type: ignore[index]
    async with harness.runtime.db.transaction() as session:
        row = await session.scalar(select(InboxUpdate).where(InboxUpdate.update_id == update_id))
    assert row is not None and row.status == "done"
    assert row.payload == {"update_id": update_id}
    assert row.chat_key == 901 and row.received_at is not None and row.handled_at is not None
    # A repeat of it is still recognised and not handled again.
    assert await harness.repeat_last() == []


class FakeBot:
    """Accepts every call but those to chat 13, which Telegram rejects."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._ids = iter(range(500, 600))

    async def do_api_request(self, method: str, api_kwargs: dict[str, Any]) -> Any:
        self.calls.append((method, api_kwargs))
        if api_kwargs.get("chat_id") == 13:
            raise BadRequest("Chat not found")
        return {"message_id": next(self._ids)}


async def _send_all(db: Database, bot: FakeBot) -> None:
    """Send every pending row through a real sender and a fake Bot API."""
    await drain_outbox(db, OutboxSender(db, bot, SendRateLimiter(per_second=1000)))  # type: ignore[arg-type]


async def test_sent_rows_lose_their_content_failed_keep_it_ephemeral_go(harness: Harness) -> None:
    db = harness.runtime.db
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Frau Beispiel anrufen", callback_data="x")]])
    async with db.transaction() as session:
        plain = outbox.enqueue_text(session, 11, SECRET)
        buttons = outbox.enqueue_text(session, 12, SECRET, keyboard)
        rejected = outbox.enqueue_text(session, 13, SECRET)
        last_words = outbox.enqueue_text(session, 14, SECRET)
        last_words.ephemeral = True
        await session.flush()
        ids = {"plain": plain.id, "buttons": buttons.id, "rejected": rejected.id, "ephemeral": last_words.id}
    bot = FakeBot()
    await _send_all(db, bot)
    assert sorted(kwargs["chat_id"] for _m, kwargs in bot.calls) == [11, 12, 13, 14]
    assert all(kwargs["text"] == SECRET for _m, kwargs in bot.calls)  # what went out was complete
    async with db.transaction() as session:
        rows = {name: await session.get(OutboxMessage, row_id) for name, row_id in ids.items()}
    sent, marked, failed = rows["plain"], rows["buttons"], rows["rejected"]
    assert sent is not None and sent.status == "sent" and sent.payload == {"chat_id": 11}
    assert sent.method == "sendMessage" and sent.chat_id == 11 and sent.telegram_message_id is not None
    assert sent.sent_at is not None and sent.created_at is not None
    # Only the fact that a keyboard was attached stays (a broadcast's progress message needs it).
    assert marked is not None and marked.payload == {"chat_id": 12, "reply_markup": {}}
    assert failed is not None and failed.status == "failed" and failed.payload["text"] == SECRET
    assert rows["ephemeral"] is None


async def test_a_sent_edit_keeps_the_id_of_the_message_it_edited(harness: Harness) -> None:
    db = harness.runtime.db
    async with db.transaction() as session:
        edit = outbox.enqueue_edit(session, 11, 77, SECRET)
        await session.flush()
        edit_id = edit.id
    await _send_all(db, FakeBot())
    async with db.transaction() as session:
        row = await session.get(OutboxMessage, edit_id)
    assert row is not None and row.status == "sent" and row.payload == {"chat_id": 11, "message_id": 77}
