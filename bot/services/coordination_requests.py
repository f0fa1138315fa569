"""Requests as coordinators see them: a filtered, paginated list (newest first) and the detail view.

Read-only; the actions (assign, re-offer, close, note) are in :mod:`bot.services.coordination_actions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.audit import HistoryEntry, request_history
from bot.services.booking import for_request
from bot.services.geography import regierungsbezirk_key
from bot.services.offers import holder, pending_offer
from bot.services.request_story import readable_history
from models import HOLDING_STATUSES, Advisor, Booking, KickoffRequest, Offer, OfferStatus, RequestStatus

PAGE_SIZE = 8
DEFAULT_WAITING_AFTER = timedelta(days=3)
# The programme owes the municipality the next step in these; elsewhere a quiet request is fine
# (a scheduled talk lies ahead, a consultation runs for months, the rest are over).
WAITING_STATUSES = (
    RequestStatus.SUBMITTED,
    RequestStatus.OFFERED,
    RequestStatus.NO_MATCH,
    RequestStatus.ACCEPTED,
)
FINAL_STATUSES = (RequestStatus.CLOSED, RequestStatus.WITHDRAWN, RequestStatus.CANCELLED)
OPEN_STATUSES = tuple(s for s in RequestStatus if s not in FINAL_STATUSES)


@dataclass(frozen=True)
class RequestFilter:
    """Which requests to list: any of ``statuses`` (all when empty), one Regierungsbezirk key ("081"),
    and optionally only those waiting too long."""

    statuses: tuple[str, ...] = ()
    regierungsbezirk: str | None = None
    waiting_only: bool = False


@dataclass(frozen=True)
class RequestRow:
    """One request in the list: what it is, how old, whether it waits too long, who has it."""

    id: int
    reference: str
    status: str
    place_name: str
    place_ags: str
    kreis_ags: str
    regierungsbezirk: str
    languages: tuple[str, ...]
    created_at: datetime
    last_change_at: datetime
    age: timedelta
    idle: timedelta
    waiting_too_long: bool
    advisor_id: int | None = None
    advisor_name: str | None = None
    # True while the advisor only has a pending offer, False once they hold the request.
    advisor_pending: bool = False


@dataclass(frozen=True)
class RequestPage:
    """One page of the list (``page`` counts from 0) and how many requests matched in all."""

    items: tuple[RequestRow, ...]
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least 1, so that "page 1 of 1" reads right when empty)."""
        return max(1, -(-self.total // self.page_size))

    @property
    def has_previous(self) -> bool:
        """Whether a page before this one exists."""
        return self.page > 0

    @property
    def has_next(self) -> bool:
        """Whether a page after this one exists."""
        return self.page + 1 < self.pages


@dataclass(frozen=True)
class RequestDetail:
    """Everything the detail view shows: the request, its row, its history and the stored reasons."""

    request: KickoffRequest
    row: RequestRow
    history: tuple[HistoryEntry, ...]
    # The ranking stored with the latest offer (each candidate with score, reasons, exclusions).
    match_reasons: tuple[dict[str, Any], ...]
    holder: Advisor | None
    pending_offer: Offer | None
    pending_advisor: Advisor | None
    booking: Booking | None


def _conditions(flt: RequestFilter, now: datetime, waiting_after: timedelta) -> list[Any]:
    """The SQL conditions of a request list filter."""
    conditions: list[Any] = []
    if flt.statuses:
        conditions.append(KickoffRequest.status.in_(list(flt.statuses)))
    if flt.regierungsbezirk:
        # Every Kreis AGS starts with its Regierungsbezirk's key; digits only keeps LIKE literal.
        key = "".join(ch for ch in flt.regierungsbezirk if ch.isdigit())
        conditions.append(KickoffRequest.kreis_ags.like(f"{key}%"))
    if flt.waiting_only:
        conditions.append(KickoffRequest.status.in_(list(WAITING_STATUSES)))
        conditions.append(KickoffRequest.updated_at <= now - waiting_after)
    return conditions


def _row(
    request: KickoffRequest, now: datetime, waiting_after: timedelta, advisor: tuple | None
) -> RequestRow:
    """One request as the coordinators' list shows it."""
    idle = now - request.updated_at
    advisor_id, advisor_name, pending = advisor if advisor else (None, None, False)
    return RequestRow(
        id=request.id,
        reference=request.reference,
        status=request.status,
        place_name=request.place_name,
        place_ags=request.place_ags,
        kreis_ags=request.kreis_ags,
        regierungsbezirk=regierungsbezirk_key(request.kreis_ags),
        languages=tuple(request.languages or ()),
        created_at=request.created_at,
        last_change_at=request.updated_at,
        age=now - request.created_at,
        idle=idle,
        waiting_too_long=request.status in WAITING_STATUSES and idle >= waiting_after,
        advisor_id=advisor_id,
        advisor_name=advisor_name,
        advisor_pending=pending,
    )


async def _advisors_of(session: AsyncSession, request_ids: Sequence[int]) -> dict[int, tuple]:
    """Request id → (advisor id, name, pending?) of its holder, else of its pending offer."""
    if not request_ids:
        return {}
    rows = await session.execute(
        select(Offer.request_id, Offer.status, Advisor.id, Advisor.display_name)
        .join(Advisor, Advisor.id == Offer.advisor_id)
        .where(
            Offer.request_id.in_(list(request_ids)),
            Offer.status.in_([*HOLDING_STATUSES, OfferStatus.PENDING]),
        )
        .order_by(Offer.id)
    )
    found: dict[int, tuple] = {}
    for request_id, status, advisor_id, name in rows.tuples().all():
        pending = status == OfferStatus.PENDING
        # A holder wins over a pending offer; among holders the latest wins (ordered by id).
        if request_id not in found or not pending:
            found[request_id] = (advisor_id, name, pending)
    return found


async def list_requests(
    session: AsyncSession,
    now: datetime,
    flt: RequestFilter | None = None,
    page: int = 0,
    page_size: int = PAGE_SIZE,
    waiting_after: timedelta = DEFAULT_WAITING_AFTER,
) -> RequestPage:
    """One page of requests matching ``flt``, newest first; a page past the end gives the last page."""
    flt = flt or RequestFilter()
    conditions = _conditions(flt, now, waiting_after)
    total = int(
        await session.scalar(select(func.count()).select_from(KickoffRequest).where(*conditions)) or 0
    )
    pages = max(1, -(-total // page_size))
    page = min(max(0, page), pages - 1)
    requests = list(
        await session.scalars(
            select(KickoffRequest)
            .where(*conditions)
            .order_by(KickoffRequest.created_at.desc(), KickoffRequest.id.desc())
            .offset(page * page_size)
            .limit(page_size)
        )
    )
    advisors = await _advisors_of(session, [r.id for r in requests])
    items = tuple(_row(r, now, waiting_after, advisors.get(r.id)) for r in requests)
    return RequestPage(items, page, page_size, total)


async def request_detail(
    session: AsyncSession, request_id: int, now: datetime, waiting_after: timedelta = DEFAULT_WAITING_AFTER
) -> RequestDetail | None:
    """The detail view of one request; None when it does not exist.

    For assigning by hand, :func:`bot.services.matching_data.rank_request` gives today's ranking.
    """
    request = await session.get(KickoffRequest, request_id, populate_existing=True)
    if request is None:
        return None
    advisors = await _advisors_of(session, [request_id])
    latest = await session.scalar(
        select(Offer).where(Offer.request_id == request_id).order_by(Offer.id.desc()).limit(1)
    )
    pending = await pending_offer(session, request_id)
    return RequestDetail(
        request=request,
        row=_row(request, now, waiting_after, advisors.get(request_id)),
        history=tuple(await readable_history(session, request, await request_history(session, request_id))),
        match_reasons=tuple(latest.ranking or ()) if latest is not None else (),
        holder=await holder(session, request_id),
        pending_offer=pending,
        pending_advisor=await session.get(Advisor, pending.advisor_id) if pending else None,
        booking=await for_request(session, request_id),
    )
