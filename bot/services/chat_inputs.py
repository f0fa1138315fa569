"""The free-text answer a user was just asked for outside the intake, kept in ``chat_inputs``.

Asking stores (or replaces) the user's one row; the answer takes it with a compare-and-set
delete, so a repeated update or a second worker uses it at most once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import absent_rows
from models import ChatInput

# Long enough to look something up before answering, short enough that an old question
# does not swallow an unrelated message hours later.
INPUT_TTL = timedelta(minutes=30)


async def expect(
    session: AsyncSession,
    user_id: int,
    kind: str,
    now: datetime,
    target_id: int | None = None,
    data: dict[str, Any] | None = None,
    ttl: timedelta = INPUT_TTL,
) -> ChatInput:
    """Note that the user's next text answers ``kind`` (replacing any earlier question)."""
    row = await session.get(ChatInput, user_id, populate_existing=True)
    if row is None:
        row = ChatInput(user_id=user_id)
        session.add(row)
    row.kind, row.target_id, row.data = kind, target_id, dict(data or {})
    row.created_at, row.expires_at = now, now + ttl
    await session.flush()
    return row


# Asked for every text message: built once.
_OPEN = (
    select(ChatInput)
    .where(ChatInput.user_id == bindparam("user_id"))
    .execution_options(populate_existing=True)
)


async def current(session: AsyncSession, user_id: int, now: datetime) -> ChatInput | None:
    """The question the user's next text answers, if one is open (no read when the transaction
    knows there is none)."""
    if absent_rows.known_absent(session, ChatInput, user_id):
        return None
    row = await session.scalar(_OPEN, {"user_id": user_id})
    return row if row is not None and row.expires_at > now else None


async def take(session: AsyncSession, row: ChatInput) -> bool:
    """Use the open question once; False when it was answered or replaced meanwhile."""
    result = await session.execute(
        delete(ChatInput)
        .where(
            ChatInput.user_id == row.user_id,
            ChatInput.kind == row.kind,
            ChatInput.created_at == row.created_at,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def clear(session: AsyncSession, user_id: int, kind: str | None = None) -> None:
    """Forget the user's open question (only of ``kind`` when given)."""
    query = delete(ChatInput).where(ChatInput.user_id == user_id)
    if kind is not None:
        query = query.where(ChatInput.kind == kind)
    await session.execute(query.execution_options(synchronize_session=False))
