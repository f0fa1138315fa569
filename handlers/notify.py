"""Messages to people other than the one who pressed: each in the recipient's own language.

Handlers and deadline sweeps build texts for a :class:`Reader` (whose chat, which language,
which time zone) and queue them with an :class:`Outbox` bound to the current transaction, so a
message goes out only if the change it reports is committed.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.config import Settings
from bot.context import BotContext
from bot.runtime import outbox
from bot.runtime.outbox import Markup
from bot.services import users
from models import OutboxLane, Role, User


@dataclass(frozen=True)
class Reader:
    """Who a message is for: their user id and chat, their language and the programme's time zone."""

    user_id: int
    chat_id: int
    locale: str
    tz: ZoneInfo

    def _(self, message: str) -> str:
        """``message`` translated into the reader's language."""
        return i18n.translate(self.locale, message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """A plural message chosen by ``count`` in the reader's language (named like gettext's, so that
        the catalog extraction finds it)."""
        return i18n.translate_plural(self.locale, singular, plural, count)

    def when(self, moment: datetime) -> str:
        """Weekday, date and time in the programme's time zone ("Di., 10. März 2026, 10:00")."""
        local = moment.astimezone(self.tz)
        date_part = format_skeleton("yMMMEd", local, locale=self.locale)
        return f"{date_part}, {self.time(moment)}"

    def time(self, moment: datetime) -> str:
        """The time of day of ``moment`` for the reader, 24-hour in both languages ("10:00")."""
        return i18n.format_time(moment, self.locale, self.tz)

    def day(self, moment: datetime, fmt: str = "long") -> str:
        """The calendar date of ``moment`` for the reader."""
        return i18n.format_date(moment, self.locale, self.tz, fmt)

    def languages(self, codes: Iterable[str]) -> str:
        """Language names in the reader's language, comma-separated ("–" for none)."""
        names = [i18n.language_name(code, self.locale) for code in codes]
        return ", ".join(names) if names else "–"


def reader_of(user: User, settings: Settings) -> Reader:
    """The reader behind a stored user."""
    return Reader(user.id, user.telegram_id, user.locale, settings.tz)


def me(context: BotContext) -> Reader:
    """The person whose update is being handled, in the language of this update."""
    return Reader(context.user.id, context.user.telegram_id, context.locale, context.settings.tz)


@dataclass
class Outbox:
    """Queues messages in the current transaction; ``inbox_id`` ties them to the update that caused them."""

    session: AsyncSession
    settings: Settings
    inbox_id: int | None = None

    @classmethod
    def of(cls, context: BotContext) -> Outbox:
        """The outbox of the update being handled."""
        return cls(context.db, context.settings, context.scope.inbox_id)

    async def reader(self, user_id: int | None) -> Reader | None:
        """The reader for a user id (None when there is no such user, e.g. after erasure)."""
        if user_id is None:
            return None
        user = await self.session.get(User, user_id)
        return reader_of(user, self.settings) if user is not None else None

    async def coordinators(self) -> list[Reader]:
        """Every coordinator, each in their language."""
        return [
            reader_of(u, self.settings) for u in await users.users_with_role(self.session, Role.COORDINATOR)
        ]

    async def coordinator_rooms(self) -> list[Reader]:
        """Where news for the coordination team go: their group when one is configured (in the
        default language), otherwise each coordinator's own chat."""
        group = self.settings.coordinator_group_id
        if group is not None:
            return [Reader(0, group, self.settings.default_locale, self.settings.tz)]
        return await self.coordinators()

    def send(
        self,
        reader: Reader,
        text: str,
        markup: Markup | None = None,
        *,
        lane: OutboxLane = OutboxLane.INTERACTIVE,
    ) -> None:
        """Queue an HTML message to ``reader``."""
        outbox.enqueue_text(self.session, reader.chat_id, text, markup, lane=lane, inbox_id=self.inbox_id)

    def document(self, reader: Reader, filename: str, content: bytes, caption: str, mime: str = "") -> None:
        """Queue a file (the sender uploads it) with an HTML caption (the outbox fits it to the limit)."""
        payload = {
            "document": {"filename": filename, "content_b64": base64.b64encode(content).decode("ascii")},
            "caption": caption,
            "parse_mode": "HTML",
        }
        outbox.enqueue(self.session, reader.chat_id, "sendDocument", payload, inbox_id=self.inbox_id)
