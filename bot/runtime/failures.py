"""An update whose handling failed: it is marked failed and its sender gets an apology.

Nothing the handler did stays (its transaction was rolled back); the raw update stays in the
inbox row for diagnosis until it is pruned.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.i18n import N_, normalize_locale, translate
from bot.runtime import inbox, outbox
from bot.runtime.inbox import InboxItem
from bot.services import users
from models import OutboxLane

APOLOGY = N_("Sorry, something went wrong on our side. Please try again in a moment.")


async def record(
    session: AsyncSession, item: InboxItem, update: Update | None, error: str, default_locale: str
) -> None:
    """Mark ``item`` failed with ``error`` and queue an apology in its sender's language.

    ``update`` is None when the update could not be parsed: then nobody is answered (we cannot
    tell whom).
    """
    await inbox.mark_failed(session, item.inbox_id, error)
    user = update.effective_user if update else None
    chat = update.effective_chat if update else None
    if user is None or chat is None:
        return
    stored = await users.get_by_telegram_id(session, user.id)
    locale = stored.locale if stored else normalize_locale(user.language_code, default_locale)
    outbox.enqueue_text(
        session, chat.id, translate(locale, APOLOGY), inbox_id=item.inbox_id, lane=OutboxLane.REPLY
    )
