"""Enqueue outgoing Bot API calls in the current transaction; the sender delivers them."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.telegram_text import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    button_label,
    clip,
    fit_html,
    utf16_length,
    visible_length,
)
from models import OutboxLane, OutboxMessage, utcnow

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
TELEGRAM_TEXT_LIMIT = TEXT_LIMIT
# The methods whose "text" is a message text; every "caption" is a caption.
TEXT_METHODS = frozenset({"sendMessage", "editMessageText"})
logger = logging.getLogger(__name__)
# Where a transaction's session lists the rows it enqueued (``session.info``): the runtime hands
# the rows for the chat it answers straight to the sender after the commit.
FRESH_ROWS = "outbox_rows_enqueued"
# The chat of the update being handled (set by :mod:`bot.runtime.scope` around each update): an
# interactive call to it answers a person's own update and goes in the reply lane.
replying_to_chat: ContextVar[int | None] = ContextVar("replying_to_chat", default=None)


def fitted(value: str, limit: int, parse_mode: str | None) -> str:
    """``value`` within ``limit`` as Telegram counts it (HTML on its visible text), shortened with "…"
    when longer: a long text must never make the action that sends it fail."""
    if utf16_length(value) <= limit:
        return value  # what Telegram counts (tags gone, entities one each) is never longer
    html_mode = (parse_mode or "").upper() == "HTML"
    length = visible_length(value) if html_mode else utf16_length(value)
    if length <= limit:
        return value
    # Only the lengths: the text is personal data and must not reach the log.
    logger.warning(
        "outgoing text of %d characters (%d in the source) shortened to %d", length, len(value), limit
    )
    return fit_html(value, limit) if html_mode else clip(value, limit)


def fit_buttons(markup: Any) -> Any:
    """An inline keyboard (as serialised) with every button label shortened to what Telegram's apps
    show on one line (see :func:`button_label`); any other markup unchanged."""
    if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
        return markup
    rows = [
        [
            {**button, "text": button_label(button["text"])}
            if isinstance(button, dict) and isinstance(button.get("text"), str)
            else button
            for button in row
        ]
        if isinstance(row, list)
        else row
        for row in markup["inline_keyboard"]
    ]
    return {**markup, "inline_keyboard": rows}


def fit_payload(method: str, payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` with its message text or caption shortened to Telegram's limit where needed, and
    its inline buttons' labels to what Telegram shows whole: every outgoing call passes here."""
    fields = {"caption": CAPTION_LIMIT}
    if method in TEXT_METHODS:
        fields["text"] = TEXT_LIMIT
    changed = dict(payload)
    for key, limit in fields.items():
        value = changed.get(key)
        if isinstance(value, str) and value:
            changed[key] = fitted(value, limit, changed.get("parse_mode"))
    if "reply_markup" in changed:
        changed["reply_markup"] = fit_buttons(changed["reply_markup"])
    return changed


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
    An interactive call to the chat of the update being handled is a reply (the lanes are
    decided here, once, rather than by every handler).
    """
    if lane == OutboxLane.INTERACTIVE and chat_id == replying_to_chat.get():
        lane = OutboxLane.REPLY
    payload = fit_payload(method, payload)
    row = OutboxMessage(
        chat_id=chat_id,
        method=method,
        payload={"chat_id": chat_id, **payload} if include_chat_id else payload,
        lane=int(lane),
        inbox_id=inbox_id,
        next_attempt_at=utcnow(),
    )
    session.add(row)
    session.info.setdefault(FRESH_ROWS, []).append(row)
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
    """Enqueue an HTML text message (the caller escapes user-derived parts); a text longer than
    Telegram allows is shortened rather than refused (see :func:`fit_payload`)."""
    if not text:
        raise ValueError("message text must not be empty")
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
    """Enqueue an edit of a message the bot sent earlier (shortened like a new message if too long)."""
    payload = {
        "message_id": message_id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
        **markup_payload(markup),
    }
    return enqueue(session, chat_id, "editMessageText", payload, inbox_id=inbox_id)
