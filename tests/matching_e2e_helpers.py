"""Matching and booking end to end: seed people in the database, drive chats in the sandbox emulator,
move deadlines in the database, read the state back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from bot import migrate
from bot.db import Database
from bot.sandbox.emulator import Emulator
from bot.sandbox.models import ChatMessage
from bot.services import requests
from bot.services.users import grant_role
from models import Advisor, Booking, KickoffRequest, Offer, Role, User, utcnow
from tests.intake_helpers import workday
from tests.matching_helpers import ALL_BEZIRKE

TIMEOUT = 15.0


async def seed_user(
    db: Database, telegram_id: int, name: str, locale: str, roles: Sequence[Role] = ()
) -> int:
    """A stored user (as if they had written before) with ``roles``; returns users.id."""
    async with db.transaction() as session:
        user = User(telegram_id=telegram_id, first_name=name, locale=locale, role_rows=[])
        session.add(user)
        for role in roles:
            grant_role(user, role)
        await session.flush()
        return user.id


async def seed_advisor(db: Database, telegram_id: int, name: str, locale: str = "en", **profile: Any) -> int:
    """An advisor linked to a Telegram user; returns the advisor id. Without an area given, they serve
    all of Baden-Württemberg (matching offers nothing to an advisor without one)."""
    if not profile.get("kreise") and "regierungsbezirke" not in profile:
        profile["regierungsbezirke"] = list(ALL_BEZIRKE)
    user_id = await seed_user(db, telegram_id, name, locale, [Role.ADVISOR])
    async with db.transaction() as session:
        advisor = Advisor(
            user_id=user_id, display_name=name, created_at=utcnow(), updated_at=utcnow(), **profile
        )
        session.add(advisor)
        await session.flush()
        return advisor.id


async def seed_request(db: Database, contact_user_id: int, **fields: Any) -> int:
    """A submitted request, as the intake stores it (no offer yet: the sweep's safety net starts it)."""
    day = workday(9)
    values = {
        "place_kind": "gemeinde",
        "place_ags": "08416041",
        "place_name": "Tübingen, Landkreis Tübingen",
        "kreis_ags": "08416",
        "contact_name": "Ana Müller",
        "contact_role": "Integrationsbeauftragte",
        "email": "ana@tuebingen.example",
        "phone": None,
        "topics": ["festival"],
        "topic_other": None,
        "languages": ["tr", "ti"],
        "goals": None,
        "time_windows": [{"date": day.isoformat(), "part": "am"}],
        "flexible": False,
        "meeting_format": "online",
        "locale": "de",
        "consent_version": "2026-11",
        "consented_at": utcnow(),
        **fields,
    }
    async with db.transaction() as session:
        request = await requests.create(session, values, contact_user_id, utcnow().year, utcnow())
        return request.id


async def prepared(database_url: str) -> Database:
    """The migrated database, for seeding before the bot starts."""
    await migrate.upgrade(database_url)
    return Database(database_url)


def has_button(message: ChatMessage, prefix: str) -> bool:
    """Whether the message has a button whose data starts with ``prefix``."""
    return any(str(b.get("callback_data", "")).startswith(prefix) for b in message.buttons())


def data_of(message: ChatMessage, prefix: str) -> str:
    """The data of the first button starting with ``prefix``."""
    found = [
        str(b["callback_data"])
        for b in message.buttons()
        if str(b.get("callback_data", "")).startswith(prefix)
    ]
    assert found, message.buttons()
    return found[0]


async def message_with(emulator: Emulator, chat: int, *parts: str, button: str | None = None) -> ChatMessage:
    """Wait for a bot message in ``chat`` containing every one of ``parts`` (and a button, if given)."""

    def matches(message: ChatMessage) -> bool:
        text = message.text or ""
        return all(p in text for p in parts) and (button is None or has_button(message, button))

    return await emulator.wait_for_message(chat, matches, timeout=TIMEOUT)


async def press(
    emulator: Emulator, chat: int, message: ChatMessage, data: str, forge: bool = False
) -> dict[str, Any]:
    """Press a button and wait for the bot's answer to it (after its transaction committed)."""
    query = emulator.press_button(chat, message.message_id, data, forge=forge)
    await emulator.wait_for(
        lambda: emulator.callback_queries[query].answer is not None, TIMEOUT, f"answer to {data}"
    )
    answer = emulator.callback_queries[query].answer
    assert answer is not None
    return answer


def documents(emulator: Emulator, chat: int) -> list[bytes]:
    """The contents of every file the bot sent to ``chat``."""
    found = []
    for message in emulator.messages_in(chat):
        document = message.data.get("document")
        if message.from_bot and document:
            stored = emulator.file(document["file_id"])
            assert stored is not None
            found.append(stored.data)
    return found


async def read(db: Database, model: type, *where: Any) -> Any:
    """One row of ``model``."""
    async with db.transaction() as session:
        return await session.scalar(select(model).where(*where).execution_options(populate_existing=True))


async def move_booking(db: Database, request_id: int, **values: datetime | None) -> None:
    """Move a talk's deadlines (as time passing would)."""
    async with db.transaction() as session:
        await session.execute(update(Booking).where(Booking.request_id == request_id).values(**values))


async def move_offers(db: Database, request_id: int, **values: datetime | None) -> None:
    """Move the deadlines of a request's pending offer."""
    async with db.transaction() as session:
        await session.execute(
            update(Offer).where(Offer.request_id == request_id, Offer.status == "pending").values(**values)
        )


async def request_of(db: Database, reference_part: str = "MG-") -> KickoffRequest:
    """The (only) request."""
    found = await read(db, KickoffRequest, KickoffRequest.reference.startswith(reference_part))
    assert found is not None
    return found
