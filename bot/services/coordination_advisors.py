"""Advisors as coordinators see them: list with load and availability, detail, pause, (re)activation.

Profile changes reuse :mod:`bot.services.advisors`; every change is audited and checks the
coordinator role in the database first.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.regions import get_registry
from bot.services import advisor_erasure, advisors, audit
from bot.services.coordination_actions import ActionOutcome
from bot.services.coordination_requests import FINAL_STATUSES
from bot.services.matching_data import open_loads
from bot.services.offers import DEFAULT_OFFER_TIMING, OfferResult, OfferTiming
from models import Advisor, AuditAction, CoordinatorAction, KickoffRequest, Offer, User

PAGE_SIZE = 8


class Availability(enum.StrEnum):
    """Whether matching may offer the advisor something now, and if not, why (first reason wins)."""

    AVAILABLE = "available"
    INACTIVE = "inactive"
    UNLINKED = "unlinked"  # invitation not redeemed yet, or the account was erased
    UNREACHABLE = "unreachable"  # blocked the bot
    # Languages or area not set yet (``AdvisorRow.gaps`` says which): matching offers them nothing.
    INCOMPLETE = "incomplete"
    PAUSED = "paused"
    AT_CAPACITY = "at_capacity"


@dataclass(frozen=True)
class AdvisorRow:
    """One advisor in the list: languages, area, load against capacity, availability."""

    id: int
    name: str
    user_id: int | None
    languages: tuple[str, ...]
    kreise: tuple[str, ...]
    regierungsbezirke: tuple[str, ...]
    home_ags: str | None
    home_name: str | None
    capacity: int
    # Requests held and not closed, plus offers awaiting an answer (what matching counts).
    load: int
    active: bool
    paused_until: datetime | None
    availability: Availability
    # What the profile lacks before offers can reach the advisor (see ``advisors.profile_gaps``).
    gaps: tuple[str, ...] = ()
    # Paused now (the availability may name an earlier reason, such as an incomplete profile).
    paused: bool = False


@dataclass(frozen=True)
class AdvisorPage:
    """One page of advisors (``page`` counts from 0)."""

    items: tuple[AdvisorRow, ...]
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least 1)."""
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class AdvisorDetail:
    """The detail view: the row, the requests held (newest first), pending offers, audit trail."""

    advisor: Advisor
    row: AdvisorRow
    held: tuple[tuple[Offer, KickoffRequest], ...]
    pending: tuple[tuple[Offer, KickoffRequest], ...]
    actions: tuple[CoordinatorAction, ...]


@dataclass(frozen=True)
class AdvisorActionResult:
    """The advisor after the change. Deactivating passes pending offers on (``passed_on``: notify
    the advisor of each withdrawn offer and whoever ``next`` names) and lists the open requests the
    advisor still holds (``still_held``), which a coordinator has to look after."""

    kind: ActionOutcome
    advisor: Advisor | None = None
    passed_on: tuple[OfferResult, ...] = ()
    still_held: tuple[KickoffRequest, ...] = ()


def _paused(advisor: Advisor, now: datetime) -> bool:
    """Whether a pause is running now."""
    return advisor.paused_until is not None and advisor.paused_until > now


def _availability(advisor: Advisor, user: User | None, load: int, now: datetime) -> Availability:
    """Whether an advisor can take offers now, and if not why."""
    if not advisor.active:
        return Availability.INACTIVE
    if user is None:
        return Availability.UNLINKED
    if user.unreachable_since is not None:
        return Availability.UNREACHABLE
    # Before the pause, as the advisor's own profile says it: after the pause there would still be no offers.
    if advisors.profile_gaps(advisor):
        return Availability.INCOMPLETE
    if _paused(advisor, now):
        return Availability.PAUSED
    if load >= advisor.capacity:
        return Availability.AT_CAPACITY
    return Availability.AVAILABLE


def _sort_key(name: str) -> str:
    """A name as the advisor list sorts it (accents ignored)."""
    # Names sort by their letters ("Özlem" with the O's) the same way on SQLite and PostgreSQL.
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _row(advisor: Advisor, user: User | None, load: int, now: datetime) -> AdvisorRow:
    """One advisor as the coordinators' list shows it."""
    home = get_registry().gemeinde(advisor.home_ags) if advisor.home_ags else None
    return AdvisorRow(
        id=advisor.id,
        name=advisor.display_name,
        user_id=advisor.user_id,
        languages=tuple(advisor.languages or ()),
        kreise=tuple(advisor.kreise or ()),
        regierungsbezirke=tuple(advisor.regierungsbezirke or ()),
        home_ags=advisor.home_ags,
        home_name=home.name if home else None,
        capacity=advisor.capacity,
        load=load,
        active=advisor.active,
        paused_until=advisor.paused_until,
        availability=_availability(advisor, user, load, now),
        gaps=advisors.profile_gaps(advisor),
        paused=_paused(advisor, now),
    )


async def list_advisors(
    session: AsyncSession,
    now: datetime,
    page: int = 0,
    page_size: int = PAGE_SIZE,
    availability: Availability | None = None,
) -> AdvisorPage:
    """One page of advisors sorted by name, optionally only those with one availability."""
    rows = await session.execute(select(Advisor, User).outerjoin(User, User.id == Advisor.user_id))
    loads = await open_loads(session)
    everyone = [_row(a, u, loads.get(a.id, 0), now) for a, u in rows.tuples().all()]
    if availability is not None:
        everyone = [r for r in everyone if r.availability == availability]
    everyone.sort(key=lambda r: (_sort_key(r.name), r.id))
    pages = max(1, -(-len(everyone) // page_size))
    page = min(max(0, page), pages - 1)
    items = tuple(everyone[page * page_size : (page + 1) * page_size])
    return AdvisorPage(items, page, page_size, len(everyone))


async def _load_row(session: AsyncSession, advisor: Advisor, now: datetime) -> AdvisorRow:
    """One advisor's list row with its current load."""
    user = await session.get(User, advisor.user_id) if advisor.user_id else None
    return _row(advisor, user, (await open_loads(session)).get(advisor.id, 0), now)


async def advisor_detail(session: AsyncSession, advisor_id: int, now: datetime) -> AdvisorDetail | None:
    """The advisor with their requests, pending offers and what coordinators did; None if unknown."""
    advisor = await session.get(Advisor, advisor_id, populate_existing=True)
    if advisor is None:
        return None
    return AdvisorDetail(
        advisor=advisor,
        row=await _load_row(session, advisor, now),
        held=tuple(await advisors.assignments(session, advisor_id)),
        pending=tuple(await advisors.pending_offers(session, advisor_id)),
        actions=tuple(await audit.actions(session, advisor_id=advisor_id, limit=20)),
    )


async def pause(
    session: AsyncSession, advisor_id: int, coordinator_user_id: int, until: date, tz: ZoneInfo, now: datetime
) -> AdvisorActionResult:
    """Offer the advisor nothing up to and including ``until`` (pending offers keep running)."""
    if not await audit.is_coordinator(session, coordinator_user_id):
        return AdvisorActionResult(ActionOutcome.NOT_ALLOWED)
    advisor = await advisors.pause(session, advisor_id, until, tz, now)
    if advisor is None:
        return AdvisorActionResult(ActionOutcome.NOT_FOUND)
    details = {"until": until.isoformat()}
    audit.record(
        session, coordinator_user_id, AuditAction.ADVISOR_PAUSE, now, advisor_id=advisor_id, details=details
    )
    return AdvisorActionResult(ActionOutcome.DONE, advisor)


async def reactivate(
    session: AsyncSession, advisor_id: int, coordinator_user_id: int, now: datetime
) -> AdvisorActionResult:
    """Make the advisor active again and end any pause."""
    if not await audit.is_coordinator(session, coordinator_user_id):
        return AdvisorActionResult(ActionOutcome.NOT_ALLOWED)
    advisor = await advisors.set_active(session, advisor_id, True, now)
    if advisor is None:
        return AdvisorActionResult(ActionOutcome.NOT_FOUND)
    audit.record(session, coordinator_user_id, AuditAction.ADVISOR_REACTIVATE, now, advisor_id=advisor_id)
    return AdvisorActionResult(ActionOutcome.DONE, advisor)


async def deactivate(
    session: AsyncSession,
    advisor_id: int,
    coordinator_user_id: int,
    now: datetime,
    timing: OfferTiming = DEFAULT_OFFER_TIMING,
) -> AdvisorActionResult:
    """Offer the advisor nothing any more; their pending offers pass on to the next candidate, or
    back to the coordinators when one of them made the offer by hand."""
    if not await audit.is_coordinator(session, coordinator_user_id):
        return AdvisorActionResult(ActionOutcome.NOT_ALLOWED)
    advisor = await advisors.set_active(session, advisor_id, False, now)
    if advisor is None:
        return AdvisorActionResult(ActionOutcome.NOT_FOUND)
    passed_on = await advisor_erasure.pass_on_offers(session, advisor, coordinator_user_id, now, timing)
    still_held = tuple(
        request
        for _offer, request in await advisors.assignments(session, advisor_id)
        if request.status not in FINAL_STATUSES
    )
    audit.record(
        session,
        coordinator_user_id,
        AuditAction.ADVISOR_DEACTIVATE,
        now,
        advisor_id=advisor_id,
        details={"passed_on_request_ids": [r.offer.request_id for r in passed_on if r.offer]},
    )
    return AdvisorActionResult(ActionOutcome.DONE, advisor, tuple(passed_on), still_held)
