"""Advisor profiles: lookup, validated updates, pause and (de)activation, and what they hold.

Invitations are in :mod:`bot.services.invitations`, the CSV import in
:mod:`bot.services.advisor_import`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.regions import get_registry
from bot.services import languages
from bot.services.geography import regierungsbezirk_names
from bot.services.intake_answers import TOPICS
from models import HOLDING_STATUSES, Advisor, KickoffRequest, Offer, OfferStatus

NAME_MAX = 100
CAPACITY_MIN, CAPACITY_MAX = 1, 20
DEFAULT_CAPACITY = 2
# "Not sure yet" is a municipality's answer, not something an advisor offers.
ADVISOR_TOPICS: tuple[str, ...] = tuple(t for t in TOPICS if t != "open")
# What a profile needs before matching offers the advisor anything (see :func:`profile_gaps`).
LANGUAGES, AREA = "languages", "area"


class ProfileError(ValueError):
    """A profile value is not acceptable; ``field`` names it and ``value`` is what was given."""

    def __init__(self, field: str, value: object, message: str) -> None:
        """A problem with one profile field, its value and the message to show."""
        super().__init__(f"{field}: {message}")
        self.field, self.value, self.message = field, value, message


@dataclass(frozen=True)
class ProfileFields:
    """Profile values to set; None leaves a field as it is (``home_ags=""`` clears the home)."""

    display_name: str | None = None
    languages: Sequence[str] | None = None
    kreise: Sequence[str] | None = None
    regierungsbezirke: Sequence[str] | None = None
    home_ags: str | None = None
    topics: Sequence[str] | None = None
    capacity: int | None = None


def _unique(values: Sequence[str]) -> list[str]:
    """The non-empty values once each, in their order."""
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


def validate(fields: ProfileFields) -> dict[str, Any]:
    """The column values for ``fields``, checked and normalised; raises :class:`ProfileError`."""
    values: dict[str, Any] = {}
    if fields.display_name is not None:
        name = " ".join(fields.display_name.split())
        if not name or len(name) > NAME_MAX:
            raise ProfileError("display_name", fields.display_name, f"expected 1–{NAME_MAX} characters")
        values["display_name"] = name
    if fields.languages is not None:
        codes = _unique([c.lower() for c in fields.languages])
        if bad := [c for c in codes if not languages.is_known(c)]:
            raise ProfileError("languages", bad, "unknown language code")
        values["languages"] = codes
    if fields.kreise is not None:
        kreise = _unique(fields.kreise)
        if bad := [k for k in kreise if get_registry().kreis(k) is None]:
            raise ProfileError("kreise", bad, "unknown Kreis AGS")
        values["kreise"] = kreise
    if fields.regierungsbezirke is not None:
        keys = _unique(fields.regierungsbezirke)
        if bad := [k for k in keys if k not in regierungsbezirk_names()]:
            raise ProfileError("regierungsbezirke", bad, "unknown Regierungsbezirk key")
        values["regierungsbezirke"] = keys
    if fields.home_ags is not None:
        home = fields.home_ags.strip() or None
        if home is not None and get_registry().gemeinde(home) is None:
            raise ProfileError("home_ags", home, "unknown Gemeinde AGS")
        values["home_ags"] = home
    if fields.topics is not None:
        topics = _unique(fields.topics)
        if bad := [t for t in topics if t not in ADVISOR_TOPICS]:
            raise ProfileError("topics", bad, "unknown topic")
        values["topics"] = topics
    if fields.capacity is not None:
        if not CAPACITY_MIN <= fields.capacity <= CAPACITY_MAX:
            raise ProfileError("capacity", fields.capacity, f"expected {CAPACITY_MIN}–{CAPACITY_MAX}")
        values["capacity"] = fields.capacity
    return values


def profile_gaps(advisor: Advisor) -> tuple[str, ...]:
    """What the advisor must still set before any offer can reach them: their languages and the area
    they serve (empty when both are set). Matching excludes an advisor with a gap."""
    gaps: list[str] = []
    if not advisor.languages:
        gaps.append(LANGUAGES)
    if not (advisor.kreise or advisor.regierungsbezirke):
        gaps.append(AREA)
    return tuple(gaps)


async def by_user(session: AsyncSession, user_id: int) -> Advisor | None:
    """The advisor profile of a user, if they have one."""
    return await session.scalar(
        select(Advisor).where(Advisor.user_id == user_id).execution_options(populate_existing=True)
    )


async def update_profile(
    session: AsyncSession, advisor_id: int, fields: ProfileFields, now: datetime
) -> Advisor | None:
    """Apply ``fields`` (validated first; raises :class:`ProfileError`); None for an unknown advisor."""
    values = validate(fields)
    advisor = await session.get(Advisor, advisor_id)
    if advisor is None:
        return None
    for name, value in values.items():
        setattr(advisor, name, value)
    advisor.updated_at = now
    return advisor


def pause_end(until: date, tz: ZoneInfo) -> datetime:
    """When a pause "until ``until``" ends: the start of the next day in ``tz`` (the day is included)."""
    return datetime.combine(until + timedelta(days=1), time(0), tz)


async def pause(
    session: AsyncSession, advisor_id: int, until: date, tz: ZoneInfo, now: datetime
) -> Advisor | None:
    """Offer the advisor nothing up to and including ``until``; a date already past ends the pause."""
    advisor = await session.get(Advisor, advisor_id)
    if advisor is None:
        return None
    end = pause_end(until, tz)
    advisor.paused_until = end if end > now else None
    advisor.updated_at = now
    return advisor


async def set_active(session: AsyncSession, advisor_id: int, active: bool, now: datetime) -> Advisor | None:
    """Deactivate (nothing is offered any more) or reactivate an advisor; reactivating ends a pause."""
    advisor = await session.get(Advisor, advisor_id)
    if advisor is None:
        return None
    advisor.active = active
    if active:
        advisor.paused_until = None
    advisor.updated_at = now
    return advisor


async def pending_offers(session: AsyncSession, advisor_id: int) -> list[tuple[Offer, KickoffRequest]]:
    """Offers awaiting the advisor's answer, soonest deadline first."""
    rows = await session.execute(
        select(Offer, KickoffRequest)
        .join(KickoffRequest, KickoffRequest.id == Offer.request_id)
        .where(Offer.advisor_id == advisor_id, Offer.status == OfferStatus.PENDING)
        .order_by(Offer.respond_by, Offer.id)
    )
    return list(rows.tuples().all())


async def assignments(
    session: AsyncSession, advisor_id: int, statuses: Sequence[str] | None = None
) -> list[tuple[Offer, KickoffRequest]]:
    """Requests the advisor accepted or was assigned, newest first; optionally only in ``statuses``."""
    query = (
        select(Offer, KickoffRequest)
        .join(KickoffRequest, KickoffRequest.id == Offer.request_id)
        .where(Offer.advisor_id == advisor_id, Offer.status.in_(HOLDING_STATUSES))
        .order_by(Offer.decided_at.desc(), Offer.id.desc())
    )
    if statuses is not None:
        query = query.where(KickoffRequest.status.in_(list(statuses)))
    rows = await session.execute(query)
    return list(rows.tuples().all())
