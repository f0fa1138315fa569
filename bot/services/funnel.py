"""Moving a request through the programme funnel: one compare-and-set per step, one event per change."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.requests import record_event
from models import KickoffRequest, RequestStatus

# Matching may still look for an advisor; after these it never does again.
MATCHABLE = (RequestStatus.SUBMITTED, RequestStatus.OFFERED, RequestStatus.NO_MATCH)


async def lock_request(session: AsyncSession, request_id: int) -> KickoffRequest | None:
    """The request, freshly read and locked for this transaction (on PostgreSQL; SQLite has one writer).

    Every matching and booking transition takes this lock first, so transitions of one request run
    one after the other and always in the same lock order (request, then offer or booking).
    """
    return await session.scalar(
        select(KickoffRequest)
        .where(KickoffRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def move(
    session: AsyncSession,
    request: KickoffRequest,
    to_status: RequestStatus,
    actor_user_id: int | None,
    now: datetime,
    from_statuses: Iterable[RequestStatus],
) -> bool:
    """Move ``request`` to ``to_status`` if it is in one of ``from_statuses``; record the event.

    False (and nothing stored) when it is elsewhere, including already at ``to_status``.
    """
    allowed = [s for s in from_statuses if s != to_status]
    result = await session.execute(
        update(KickoffRequest)
        .where(KickoffRequest.id == request.id, KickoffRequest.status.in_(allowed))
        .values(status=to_status, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    previous = request.status
    await session.refresh(request)
    record_event(session, request, previous, to_status, actor_user_id, now)
    return True
