"""Enqueue outgoing Bot API calls in the current transaction; the sender delivers them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from models import OutboxLane, OutboxMessage, utcnow

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
TELEGRAM_TEXT_LIMIT = 4096


def markup_payload(markup: Markup | None) -> dict[str, Any]:
    """The ``reply_markup`` field of a payload, or nothing.

    An inline keyboard without buttons serialises to ``{}``, which Telegram rejects ("can't
    parse reply keyboard markup"); leaving the field out means the same: no keyboard.
    """
    if markup is None:
        return {}
    if isinstance(markup, InlineKeyboardMarkup) and not any(markup.inline_keyboard):
        return {}
    return {"reply_markup": markup.to_dict()}


def enqueue(
    session: AsyncSession,
    chat_id: int,
    method: str,
    payload: dict[str, Any],
    *,
    lane: OutboxLane = OutboxLane.INTERACTIVE,
    inbox_id: int | None = None,
    include_chat_id: bool = True,
) -> OutboxMessage:
    """Add one Bot API call to the outbox; it is sent only if the transaction commits.

    ``chat_id`` also orders the calls: calls for one chat are made in the order enqueued.
    Methods without a chat parameter (``setMyCommands``) pass ``include_chat_id=False``.
    """
    row = OutboxMessage(
        chat_id=chat_id,
        method=method,
        payload={"chat_id": chat_id, **payload} if include_chat_id else dict(payload),
        lane=int(lane),
        inbox_id=inbox_id,
        next_attempt_at=utcnow(),
    )
    session.add(row)
    return row


def enqueue_text(
    session: AsyncSession,
    chat_id: int,
    text: str,
    markup: Markup | None = None,
    *,
    lane: OutboxLane = OutboxLane.INTERACTIVE,
    inbox_id: int | None = None,
) -> OutboxMessage:
    """Enqueue an HTML text message (the caller escapes user-derived parts)."""
    if not text or len(text) > TELEGRAM_TEXT_LIMIT:
        raise ValueError(f"message text must have 1–{TELEGRAM_TEXT_LIMIT} characters")
    payload = {"text": text, "parse_mode": "HTML", **markup_payload(markup)}
    payload["link_preview_options"] = {"is_disabled": True}
    return enqueue(session, chat_id, "sendMessage", payload, lane=lane, inbox_id=inbox_id)


def enqueue_edit(
    session: AsyncSession,
    chat_id: int,
    message_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    inbox_id: int | None = None,
) -> OutboxMessage:
    """Enqueue an edit of a message the bot sent earlier."""
    payload = {
        "message_id": message_id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
        **markup_payload(markup),
    }
    return enqueue(session, chat_id, "editMessageText", payload, inbox_id=inbox_id)
