"""Building blocks for the matching, offer, advisor and booking tests: a migrated database, people,
advisors and submitted requests, all at a fixed "now"."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import migrate
from bot.db import Database
from bot.services import requests
from bot.services.users import grant_role
from models import Advisor, KickoffRequest, RequestEvent, Role, User

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin
# Gemeinden (AGS) around Tübingen, see test_matching for their distances.
TUEBINGEN, TUEBINGEN_KREIS = "08416041", "08416"
MOESSINGEN = "08416025"  # same Kreis, 12.9 km
REUTLINGEN = "08415061"  # same Region (Neckar-Alb), 11.8 km
ULM = "08421000"  # same Regierungsbezirk (Tübingen), 70 km
BOEBLINGEN = "08115003"  # Regierungsbezirk Stuttgart, 18.5 km
MANNHEIM = "08222000"  # Regierungsbezirk Karlsruhe, 116 km
HEIDELBERG = "08221000"  # Regierungsbezirk Karlsruhe, 102 km

# Every Regierungsbezirk: the served area of a test advisor who is not given one (matching offers
# nothing to an advisor without languages and area).
ALL_BEZIRKE = ("081", "082", "083", "084")

_telegram_ids = itertools.count(10_000)


@asynccontextmanager
async def migrated(url: str) -> AsyncIterator[Database]:
    """The database at ``url`` brought to the current schema."""
    await migrate.upgrade(url)
    db = Database(url)
    try:
        yield db
    finally:
        await db.dispose()


async def add_user(session: AsyncSession, name: str = "Kim", roles: Sequence[Role] = ()) -> User:
    """A stored Telegram user with ``roles``."""
    user = User(telegram_id=next(_telegram_ids), first_name=name, locale="de", role_rows=[])
    session.add(user)
    for role in roles:
        grant_role(user, role)
    await session.flush()
    return user


async def add_advisor(
    session: AsyncSession,
    name: str,
    *,
    linked: bool = True,
    languages: Sequence[str] = ("tr",),
    home_ags: str | None = TUEBINGEN,
    kreise: Sequence[str] = (),
    regierungsbezirke: Sequence[str] | None = None,
    topics: Sequence[str] = ("festival",),
    capacity: int = 2,
    **columns: Any,
) -> Advisor:
    """An advisor profile, linked to a new user with the advisor role unless ``linked`` is False;
    without ``kreise`` or ``regierungsbezirke`` it serves all of Baden-Württemberg."""
    if regierungsbezirke is None:
        regierungsbezirke = () if kreise else ALL_BEZIRKE
    user = await add_user(session, name, [Role.ADVISOR]) if linked else None
    advisor = Advisor(
        user_id=user.id if user else None,
        display_name=name,
        languages=list(languages),
        home_ags=home_ags,
        kreise=list(kreise),
        regierungsbezirke=list(regierungsbezirke),
        topics=list(topics),
        capacity=capacity,
        created_at=NOW,
        updated_at=NOW,
        **columns,
    )
    session.add(advisor)
    await session.flush()
    return advisor


async def add_request(
    session: AsyncSession,
    contact: User,
    *,
    place_ags: str = TUEBINGEN,
    kreis_ags: str = TUEBINGEN_KREIS,
    languages: Sequence[str] = ("tr",),
    topics: Sequence[str] = ("festival",),
    windows: Sequence[dict[str, str]] = ({"date": "2026-03-10", "part": "am"},),
    now: datetime = NOW,
) -> KickoffRequest:
    """A submitted request, created the way the intake creates it (with its first event)."""
    fields = {
        "place_kind": "gemeinde" if len(place_ags) == 8 else "kreis",
        "place_ags": place_ags,
        "place_name": "Tübingen",
        "kreis_ags": kreis_ags,
        "contact_name": "Ana Müller",
        "contact_role": "Integrationsbeauftragte",
        "email": "ana@tuebingen.example",
        "phone": "+4970712041234",
        "topics": list(topics),
        "topic_other": None,
        "languages": list(languages),
        "goals": "Interkulturelle Woche",
        "time_windows": list(windows),
        "flexible": not windows,
        "meeting_format": "online",
        "locale": "de",
        "consent_version": "2026-11",
        "consented_at": now,
    }
    return await requests.create(session, fields, contact.id, now.year, now)


async def events_of(session: AsyncSession, request_id: int) -> list[tuple[str | None, str, int | None]]:
    """The request's funnel events as (from, to, actor user id), oldest first."""
    rows = await session.execute(
        select(RequestEvent.from_status, RequestEvent.to_status, RequestEvent.actor_user_id)
        .where(RequestEvent.request_id == request_id)
        .order_by(RequestEvent.id)
    )
    return list(rows.tuples().all())


async def status_of(session: AsyncSession, request_id: int) -> str:
    """The request's current status, read from the database."""
    status = await session.scalar(select(KickoffRequest.status).where(KickoffRequest.id == request_id))
    assert status is not None
    return status
