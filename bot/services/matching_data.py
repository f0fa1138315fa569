"""Load what :mod:`bot.services.matching` ranks: a request's needs and every advisor's facts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Executable, Result, String, Text, cast, func, select, type_coerce, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.advisors import profile_gaps
from bot.services.matching import AdvisorFacts, Ranking, RequestNeeds, rank
from models import HOLDING_STATUSES, Advisor, KickoffRequest, Offer, OfferStatus, RequestStatus, User

# A request occupies its advisor from acceptance until it is closed (a consultation runs for months).
OCCUPYING_STATUSES = (
    RequestStatus.ACCEPTED,
    RequestStatus.SCHEDULED,
    RequestStatus.KICKOFF_HELD,
    RequestStatus.CONSULTATION,
)


def needs_of(request: KickoffRequest) -> RequestNeeds:
    """What matching needs from a stored request."""
    return RequestNeeds(
        place_ags=request.place_ags,
        kreis_ags=request.kreis_ags,
        languages=tuple(request.languages or ()),
        topics=tuple(request.topics or ()),
    )


async def _plain_rows(session: AsyncSession, statement: Executable) -> Result[Any]:
    """The rows of a statement of plain columns, past the ORM's handling of results (a thousand
    advisor rows per match cost a millisecond there). The session's pending changes are written
    first, as its own execute would, so that a load just changed in it is counted."""
    await session.flush()
    connection = await session.connection()
    return await connection.execute(statement)


async def open_loads(session: AsyncSession) -> dict[int, int]:
    """Advisor id → requests they hold that are not closed, plus offers awaiting their answer."""
    # The occupying requests as a subquery rather than a join: SQLite then checks each holding
    # offer against a small list instead of fetching its request row (about half the time).
    occupying = select(KickoffRequest.id).where(KickoffRequest.status.in_(OCCUPYING_STATUSES))
    held = (
        select(Offer.advisor_id, func.count())
        .where(Offer.status.in_(HOLDING_STATUSES), Offer.request_id.in_(occupying))
        .group_by(Offer.advisor_id)
    )
    pending = (
        select(Offer.advisor_id, func.count())
        .where(Offer.status == OfferStatus.PENDING)
        .group_by(Offer.advisor_id)
    )
    # One round trip for both counts.
    rows = await _plain_rows(session, union_all(held, pending))
    loads: dict[int, int] = {}
    for advisor_id, count in rows.tuples().all():
        loads[advisor_id] = loads.get(advisor_id, 0) + int(count)
    return loads


async def earlier_offers(session: AsyncSession, request_id: int) -> dict[int, str]:
    """Advisor id → status of their latest offer of this request."""
    rows = await session.execute(
        select(Offer.advisor_id, Offer.status).where(Offer.request_id == request_id).order_by(Offer.id)
    )
    return dict(rows.tuples().all())


def facts_of(
    advisor: Advisor, user: User | None, load: int, offered_before: str | None = None
) -> AdvisorFacts:
    """Matching's view of one stored advisor."""
    return AdvisorFacts(
        advisor_id=advisor.id,
        name=advisor.display_name,
        languages=tuple(advisor.languages or ()),
        kreise=tuple(advisor.kreise or ()),
        regierungsbezirke=tuple(advisor.regierungsbezirke or ()),
        home_ags=advisor.home_ags,
        topics=tuple(advisor.topics or ()),
        capacity=advisor.capacity,
        open_load=load,
        active=advisor.active,
        linked=user is not None,
        reachable=user is not None and user.unreachable_since is None,
        paused_until=advisor.paused_until,
        last_assigned_at=advisor.last_assigned_at,
        offered_before=offered_before,
        profile_gaps=profile_gaps(advisor),
    )


# Plain columns instead of whole entities: building 1,000 Advisor and User objects (and the
# users' roles, loaded eagerly) per match cost far more than the ranking. The JSON lists and the
# timestamps come as the driver gives them, converted only when a row is new to the cache below.
# Read past the column's type (no conversion per row): see _moment.
_AS_STORED = String()
_FACT_COLUMNS = (
    Advisor.id,
    Advisor.display_name,
    cast(Advisor.languages, Text),
    cast(Advisor.kreise, Text),
    cast(Advisor.regierungsbezirke, Text),
    Advisor.home_ags,
    cast(Advisor.topics, Text),
    Advisor.capacity,
    Advisor.active,
    type_coerce(Advisor.paused_until, _AS_STORED),
    type_coerce(Advisor.last_assigned_at, _AS_STORED),
    User.id,
    type_coerce(User.unreachable_since, _AS_STORED),
)


def _moment(stored: str | datetime | None) -> datetime | None:
    """A timestamp column's value as :class:`models.UTCDateTime` gives it, from what the driver gave:
    SQLite's stored UTC text, or PostgreSQL's aware datetime."""
    if isinstance(stored, str):
        stored = datetime.fromisoformat(stored)
    if stored is None:
        return None
    return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)


def _decoded(text: str | None) -> list[str] | None:
    """A JSON list column's value from its stored text (None for SQL NULL)."""
    return None if text is None else json.loads(text)


# A pure function of the row's values, the load and the earlier offer, so a cached answer can never
# be stale: a changed advisor is a new key. Between two matches most advisors are unchanged.
@lru_cache(maxsize=8192)
def _row_facts(row: tuple[Any, ...], load: int, offered_before: str | None) -> AdvisorFacts:
    """Matching's view of one advisor row of ``_FACT_COLUMNS``."""
    advisor_id, name, languages, kreise, districts, home_ags, topics = row[:7]
    capacity, active, paused_until, last_assigned_at, user_id, unreachable_since = row[7:]
    # Unsaved objects carrying the row, so that facts_of (and profile_gaps) stay the one definition.
    advisor = Advisor(
        id=advisor_id,
        display_name=name,
        languages=_decoded(languages),
        kreise=_decoded(kreise),
        regierungsbezirke=_decoded(districts),
        home_ags=home_ags,
        topics=_decoded(topics),
        capacity=capacity,
        active=active,
        paused_until=_moment(paused_until),
        last_assigned_at=_moment(last_assigned_at),
    )
    user = None if user_id is None else User(id=user_id, unreachable_since=_moment(unreachable_since))
    return facts_of(advisor, user, load, offered_before)


async def advisor_facts(session: AsyncSession, request_id: int | None = None) -> list[AdvisorFacts]:
    """Every advisor's facts; with ``request_id``, earlier offers of that request are noted."""
    rows = await _plain_rows(
        session, select(*_FACT_COLUMNS).outerjoin(User, User.id == Advisor.user_id).order_by(Advisor.id)
    )
    loads = await open_loads(session)
    offered = await earlier_offers(session, request_id) if request_id is not None else {}
    return [_row_facts(tuple(row), loads.get(row[0], 0), offered.get(row[0])) for row in rows.all()]


async def rank_request(session: AsyncSession, request_id: int, now: datetime) -> Ranking | None:
    """The ranking of every advisor for a stored request; None when the request does not exist."""
    request = await session.get(KickoffRequest, request_id)
    if request is None:
        return None
    return rank(needs_of(request), await advisor_facts(session, request_id), now)


# The key of the transaction lock that keeps two cascade offers from being made at the same moment.
OFFERING_LOCK_KEY = 7_316_002


async def hold_loads_still(session: AsyncSession) -> None:
    """Keep the advisors' loads as this transaction reads them until it ends: two requests matched
    at the same moment (two contacts sending theirs) would each see an advisor's last free place
    and both take it. PostgreSQL: a transaction advisory lock; SQLite writes one at a time anyway."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(OFFERING_LOCK_KEY)))
