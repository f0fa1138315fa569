"""Erasing a person from the runtime tables: received updates, queued and sent messages, audit texts.

Their own chat is easy (``chat_key`` / ``chat_id`` is their Telegram id). Elsewhere they appear by
what they typed or what others were told about them (a coordinator's note, an advisor's message
with the contact's e-mail, a question passed on to the team): rows whose payload holds one of
their strings ("needles") lose that payload. Only rows written since the person first wrote can
mention them, which keeps the scan short.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import ChatLease, CoordinatorAction, InboxStatus, InboxUpdate, OutboxMessage, OutboxStatus

# Shorter strings ("Al", "ja") would match unrelated messages.
MIN_NEEDLE = 3
# A Telegram id this long is looked for inside texts as well (shorter ones would match too much).
MIN_ID_IN_TEXT = 5
# Messages show long texts shortened ("…"): their beginning is looked for as well.
PREFIX = 30


@dataclass(frozen=True)
class ScrubCounts:
    """How many rows lost what they held about the person."""

    inbox: int = 0
    outbox_deleted: int = 0
    outbox_cleared: int = 0
    audit: int = 0


def needles(values: Iterable[object]) -> frozenset[str]:
    """The distinct, long enough strings to look for (case-insensitive)."""
    found = set()
    for value in values:
        text = str(value).strip() if value is not None else ""
        if len(text) >= MIN_NEEDLE:
            found.add(text.casefold())
        if len(text) > PREFIX:
            found.add(text[:PREFIX].casefold())
    return frozenset(found)


def _leaves(value: Any) -> Iterator[str | int]:
    """Every text (HTML entities resolved, case folded) and whole number inside a JSON value."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, str):
        yield html.unescape(value).casefold()
    elif isinstance(value, int) and not isinstance(value, bool):
        yield value


def mentions(value: Any, wanted: frozenset[str], telegram_id: int | None = None) -> bool:
    """Whether a JSON value contains one of ``wanted`` (inside any of its texts) or, as a whole
    number or text, the Telegram id (ids as substrings would match timestamps)."""
    for leaf in _leaves(value):
        if isinstance(leaf, int):
            if leaf == telegram_id:
                return True
        elif any(n in leaf for n in wanted) or (telegram_id is not None and leaf == str(telegram_id)):
            return True
    return False


async def scrub(
    session: AsyncSession, telegram_id: int, wanted: frozenset[str], since: datetime
) -> ScrubCounts:
    """Delete every message to the person's chat, anonymise their handled updates, and clear other
    rows since ``since`` that mention them (pending messages about them are cancelled)."""
    if len(str(telegram_id)) >= MIN_ID_IN_TEXT:
        # Typed ids ("/loeschen 123456789") are found in texts; numbers only as whole values.
        wanted = wanted | {str(telegram_id)}
    await session.flush()
    deleted = await session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.chat_id == telegram_id)
        .execution_options(synchronize_session=False)
    )
    # The chat's lease (several processes) names the chat too; a new one is taken if they write again.
    await session.execute(
        delete(ChatLease)
        .where(ChatLease.chat_key == telegram_id)
        .execution_options(synchronize_session=False)
    )
    inbox_rows = await session.scalars(
        select(InboxUpdate).where(
            InboxUpdate.status != InboxStatus.PENDING.value,
            (InboxUpdate.chat_key == telegram_id) | (InboxUpdate.received_at >= since),
        )
    )
    inbox = 0
    for row in inbox_rows:
        if row.chat_key == telegram_id or mentions(row.payload, wanted, telegram_id):
            row.payload, row.chat_key = {}, 0
            inbox += 1
    cleared = 0
    for message in await session.scalars(select(OutboxMessage).where(OutboxMessage.created_at >= since)):
        if message.payload and mentions(message.payload, wanted, telegram_id):
            message.payload = {}
            if message.status == OutboxStatus.PENDING:
                message.status = OutboxStatus.CANCELLED.value
            cleared += 1
    audit = 0
    for action in await session.scalars(
        select(CoordinatorAction).where(CoordinatorAction.created_at >= since)
    ):
        details = dict(action.details or {})
        kept = {k: ("" if mentions(v, wanted, telegram_id) else v) for k, v in details.items()}
        if kept != details:
            action.details = kept
            audit += 1
    await session.flush()
    return ScrubCounts(inbox, int(deleted.rowcount or 0), cleared, audit)  # type: ignore[attr-defined]
