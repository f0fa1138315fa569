"""Kickoff requests: reference numbers, creation with the first funnel event, listing and withdrawal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models import KickoffRequest, ReferenceCounter, RequestEvent, RequestStatus

# While no kickoff talk was held, the contact may take the request back.
WITHDRAWABLE = frozenset(
    {
        RequestStatus.SUBMITTED,
        RequestStatus.OFFERED,
        RequestStatus.ACCEPTED,
        RequestStatus.SCHEDULED,
        RequestStatus.NO_MATCH,
    }
)
REFERENCE_PREFIX = "MG"


@dataclass(frozen=True)
class ContactDetails:
    """What a returning contact entered last time."""

    name: str
    role: str
    email: str
    phone: str | None


async def next_reference(session: AsyncSession, year: int) -> str:
    """The next free reference of ``year``, e.g. ``MG-2026-0001``.

    One atomic upsert (INSERT … ON CONFLICT DO UPDATE … RETURNING) on both SQLite and
    PostgreSQL: concurrent submissions serialise on the counter row and never share a number.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ReferenceCounter).values(year=year, last_value=1)
    statement = statement.on_conflict_do_update(
        index_elements=[ReferenceCounter.year],
        set_={"last_value": ReferenceCounter.last_value + 1},
    ).returning(ReferenceCounter.last_value)
    value = (await session.execute(statement)).scalar_one()
    return f"{REFERENCE_PREFIX}-{year}-{value:04d}"


def record_event(
    session: AsyncSession,
    request: KickoffRequest,
    from_status: str | None,
    to_status: str,
    actor_user_id: int | None,
    now: datetime,
) -> RequestEvent:
    """Store one funnel transition (statistics are computed from these rows)."""
    event = RequestEvent(
        request_id=request.id,
        from_status=from_status,
        to_status=to_status,
        actor_user_id=actor_user_id,
        created_at=now,
    )
    session.add(event)
    return event


async def create(
    session: AsyncSession, fields: dict[str, Any], user_id: int, year: int, now: datetime
) -> KickoffRequest:
    """Store a submitted request with its reference and its first funnel event ("submitted")."""
    request = KickoffRequest(
        reference=await next_reference(session, year),
        contact_user_id=user_id,
        status=RequestStatus.SUBMITTED,
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(request)
    await session.flush()
    record_event(session, request, None, RequestStatus.SUBMITTED, user_id, now)
    return request


async def list_for_contact(session: AsyncSession, user_id: int, limit: int = 10) -> list[KickoffRequest]:
    """The contact's requests, newest first."""
    rows = await session.scalars(
        select(KickoffRequest)
        .where(KickoffRequest.contact_user_id == user_id)
        .order_by(KickoffRequest.id.desc())
        .limit(limit)
    )
    return list(rows)


async def count_for_contact(session: AsyncSession, user_id: int) -> int:
    """How many requests the contact has made."""
    count = await session.scalar(
        select(func.count()).select_from(KickoffRequest).where(KickoffRequest.contact_user_id == user_id)
    )
    return int(count or 0)


async def created_since(session: AsyncSession, user_id: int, since: datetime) -> list[datetime]:
    """When the contact sent each request since ``since``, oldest first (withdrawn ones count too:
    sending and withdrawing must not get round the daily limit)."""
    rows = await session.scalars(
        select(KickoffRequest.created_at)
        .where(KickoffRequest.contact_user_id == user_id, KickoffRequest.created_at > since)
        .order_by(KickoffRequest.created_at)
    )
    return list(rows)


async def get_for_contact(session: AsyncSession, request_id: int, user_id: int) -> KickoffRequest | None:
    """The request if it belongs to this contact; None for anybody else's (no hint it exists)."""
    return await session.scalar(
        select(KickoffRequest).where(
            KickoffRequest.id == request_id, KickoffRequest.contact_user_id == user_id
        )
    )


async def withdraw(
    session: AsyncSession, request_id: int, user_id: int, now: datetime
) -> KickoffRequest | None:
    """Withdraw the contact's request while no kickoff was held; None if that is not (or no longer) possible.

    A compare-and-set on owner and status: a double tap or a race with a coordinator changes it once.
    """
    request = await get_for_contact(session, request_id, user_id)
    if request is None or request.status not in WITHDRAWABLE:
        return None
    previous = request.status
    result = await session.execute(
        update(KickoffRequest)
        .where(
            KickoffRequest.id == request_id,
            KickoffRequest.contact_user_id == user_id,
            KickoffRequest.status == previous,
        )
        .values(status=RequestStatus.WITHDRAWN, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    await session.refresh(request)
    record_event(session, request, previous, RequestStatus.WITHDRAWN, user_id, now)
    return request


async def saved_contact(session: AsyncSession, user_id: int) -> ContactDetails | None:
    """The contact details of the user's latest request, to offer them again."""
    latest = await session.scalar(
        select(KickoffRequest)
        .where(KickoffRequest.contact_user_id == user_id)
        .order_by(KickoffRequest.id.desc())
        .limit(1)
    )
    if latest is None:
        return None
    return ContactDetails(latest.contact_name, latest.contact_role, latest.email, latest.phone)
