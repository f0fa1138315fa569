"""Stored history in bulk: people, advisors and past requests with their offers and events.

Rows go in with one INSERT per table and chunk (not through the services, which would take
minutes for 100,000 requests); the values are what the intake and matching store. Places are
real Gemeinden of the region registry, so matching computes real distances and region tiers.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select

from bot.db import Database
from bot.regions.registry import get_registry
from models import Advisor, KickoffRequest, Offer, RequestEvent, Role, User, UserRole, utcnow

CHUNK = 5000
LANGUAGES = ("tr", "ar", "uk", "ru", "fa", "ku", "pl", "ro", "it", "hr", "ti", "en", "fr", "es")
TOPICS = ("festival", "partnership", "agenda2030", "fairtrade", "networks", "flight", "open")
# Past requests: most have ended; the rest hold an advisor (these count as the advisor's load).
PAST_STATUSES = ("closed",) * 6 + ("no_match", "withdrawn", "accepted", "consultation")
_telegram_ids = itertools.count(8_000_001)


async def _insert(db: Database, model: type, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` in chunks, one transaction each."""
    for start in range(0, len(rows), CHUNK):
        async with db.transaction() as session:
            await session.execute(insert(model.__table__), list(rows[start : start + CHUNK]))


async def _user_ids(db: Database, telegram_ids: Sequence[int]) -> list[int]:
    """users.id of the given Telegram ids, in their order."""
    async with db.transaction() as session:
        found = await session.execute(
            select(User.telegram_id, User.id).where(
                User.telegram_id.between(min(telegram_ids), max(telegram_ids))
            )
        )
        by_telegram = dict(found.tuples().all())
    return [by_telegram[t] for t in telegram_ids]


async def seed_people(db: Database, count: int, prefix: str = "S") -> list[int]:
    """``count`` people who wrote before; their users.id."""
    now = utcnow()
    telegram_ids = [next(_telegram_ids) for _ in range(count)]
    await _insert(
        db,
        User,
        [
            {
                "telegram_id": t,
                "first_name": f"{prefix}{t}",
                "locale": "de",
                "created_at": now,
                "last_seen_at": now,
            }
            for t in telegram_ids
        ],
    )
    return await _user_ids(db, telegram_ids)


async def seed_advisors(db: Database, count: int, rng: random.Random) -> list[int]:
    """``count`` active advisors with languages, a home, an area and topics; their advisors.id."""
    users = await seed_people(db, count, "Beratung ")
    now = utcnow()
    registry = get_registry()
    await _insert(
        db, UserRole, [{"user_id": u, "role": Role.ADVISOR.value, "granted_at": now} for u in users]
    )
    rows = []
    for user_id in users:
        home = rng.choice(registry.gemeinden)
        rows.append(
            {
                "user_id": user_id,
                "display_name": f"Beratung {user_id}",
                "languages": rng.sample(LANGUAGES, rng.randint(1, 3)),
                "home_ags": home.ags,
                "kreise": [home.kreis_ags] if rng.random() < 0.5 else [],
                "regierungsbezirke": [home.regierungsbezirk] if rng.random() >= 0.5 else [],
                "topics": rng.sample(TOPICS, rng.randint(1, 3)),
                "capacity": rng.randint(1, 4),
                "active": rng.random() < 0.9,
                "last_assigned_at": now - timedelta(days=rng.randint(0, 200)),
                "created_at": now,
                "updated_at": now,
            }
        )
    await _insert(db, Advisor, rows)
    async with db.transaction() as session:
        found = await session.scalars(select(Advisor.id).where(Advisor.user_id.in_(users)))
        return list(found)


async def seed_requests(
    db: Database, count: int, contacts: Sequence[int], advisors: Sequence[int], rng: random.Random
) -> list[int]:
    """``count`` past requests of ``contacts`` (each with its "submitted" event and, when there
    are advisors, a declined offer and an accepted or expired one); their ids."""
    now = utcnow()
    gemeinden = get_registry().gemeinden
    first = await _next_reference(db)
    rows = []
    for n in range(count):
        place = rng.choice(gemeinden)
        created = now - timedelta(days=rng.randint(1, 700))
        rows.append(
            {
                "reference": f"MG-B-{first + n:07d}",
                "contact_user_id": rng.choice(contacts),
                "status": rng.choice(PAST_STATUSES),
                "place_kind": "gemeinde",
                "place_ags": place.ags,
                "place_name": place.name,
                "kreis_ags": place.kreis_ags,
                "contact_name": "Ana Müller",
                "contact_role": "Integrationsbüro",
                "email": "ana@example.org",
                "topics": rng.sample(TOPICS, rng.randint(1, 3)),
                "languages": rng.sample(LANGUAGES, rng.randint(1, 3)),
                "time_windows": [],
                "flexible": True,
                "meeting_format": "online",
                "locale": "de",
                "consent_version": "2026-11",
                "consented_at": created,
                "created_at": created,
                "updated_at": created,
            }
        )
    await _insert(db, KickoffRequest, rows)
    async with db.transaction() as session:
        found = await session.execute(
            select(KickoffRequest.id, KickoffRequest.status, KickoffRequest.created_at).where(
                KickoffRequest.reference >= f"MG-B-{first:07d}"
            )
        )
        stored = list(found.tuples().all())
    await _insert(
        db,
        RequestEvent,
        [
            {"request_id": r, "from_status": None, "to_status": "submitted", "created_at": at}
            for r, _s, at in stored
        ],
    )
    if advisors:
        await _insert(db, Offer, _offers(stored, advisors, rng))
    return [request_id for request_id, _status, _at in stored]


def _offers(
    stored: Sequence[tuple[int, str, Any]], advisors: Sequence[int], rng: random.Random
) -> list[dict[str, Any]]:
    """A declined offer and a final one (accepted where the request holds an advisor) per request."""
    rows = []
    for request_id, status, created in stored:
        holding = status in ("accepted", "consultation", "closed")
        for offer_status in ("declined", "accepted" if holding else "expired"):
            rows.append(
                {
                    "request_id": request_id,
                    "advisor_id": rng.choice(advisors),
                    "status": offer_status,
                    "respond_by": created + timedelta(days=2),
                    "ranking": [],
                    "created_at": created,
                    "decided_at": created + timedelta(days=1),
                }
            )
    return rows


async def _next_reference(db: Database) -> int:
    """The first free number of the benchmark's own reference series."""
    async with db.transaction() as session:
        count = await session.scalar(select(KickoffRequest.id).order_by(KickoffRequest.id.desc()).limit(1))
    return (count or 0) + 1
