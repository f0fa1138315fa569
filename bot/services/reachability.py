"""Whether the bot can write to a person privately: Telegram lets a bot open no conversation itself."""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Advisor, InboxUpdate, OutboxMessage, OutboxStatus, User


async def reachable_privately(session: AsyncSession, user: User) -> bool:
    """Whether ``user`` has a private chat with the bot that they have not blocked since.

    Evidence that they started it: an update from their private chat (its chat key is their id),
    a message delivered there, or an advisor profile (invitations are redeemed only privately).
    A message Telegram refused (blocked) after their last private update means they left. The
    inbox and outbox are pruned after their retention, so an old, silent chat may count as
    unknown; the person is then asked to open it once more, which is safe.
    """
    if user.unreachable_since is not None:
        return False
    chat = user.telegram_id
    last_private = select(func.max(InboxUpdate.received_at)).where(InboxUpdate.chat_key == chat)
    last_blocked = select(func.max(OutboxMessage.created_at)).where(
        OutboxMessage.chat_id == chat, OutboxMessage.status == OutboxStatus.BLOCKED
    )
    delivered = exists().where(OutboxMessage.chat_id == chat, OutboxMessage.status == OutboxStatus.SENT)
    advisor = exists().where(Advisor.user_id == user.id)
    row = (
        await session.execute(
            select(last_private.scalar_subquery(), last_blocked.scalar_subquery(), delivered, advisor)
        )
    ).one()
    private, blocked, was_delivered, is_advisor = row
    if blocked is not None and (private is None or blocked >= private):
        return False
    return private is not None or bool(was_delivered) or bool(is_advisor)
