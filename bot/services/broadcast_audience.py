"""Who a broadcast reaches: advisors and/or contacts who agreed to receive news, narrowed by filters.

Filters combine as "all of the kinds given, any value within a kind". For a contact one and the
same request must satisfy every filter (a contact of Tübingen who asked for Turkish is not picked
by "Kreis Tübingen + Arabic" because of another request elsewhere). For an advisor the area
filters look at the area they serve and their home, the language filter at the languages they
speak and the status filter at the requests they hold. Users who blocked the bot are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.regions import get_registry
from bot.services import languages
from bot.services.geography import locate, regierungsbezirk_key, regierungsbezirk_names
from models import (
    HOLDING_STATUSES,
    Advisor,
    BroadcastAudience,
    KickoffRequest,
    NewsConsent,
    Offer,
    RequestStatus,
    Role,
    User,
    UserRole,
)


@dataclass(frozen=True)
class AudienceFilter:
    """Narrowing of an audience; an empty tuple means "no restriction" for that kind."""

    regierungsbezirke: tuple[str, ...] = ()  # keys: "081" … "084"
    kreise: tuple[str, ...] = ()  # Kreis AGS: "08416"
    languages: tuple[str, ...] = ()  # language codes: "tr"
    request_statuses: tuple[str, ...] = ()  # RequestStatus values

    def to_json(self) -> dict[str, list[str]]:
        """The filter as stored on the broadcast."""
        return {
            "regierungsbezirke": list(self.regierungsbezirke),
            "kreise": list(self.kreise),
            "languages": list(self.languages),
            "request_statuses": list(self.request_statuses),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> AudienceFilter:
        """The filter stored on a broadcast (unknown keys are ignored)."""
        data = data or {}
        return cls(
            *(
                tuple(data.get(key) or ())
                for key in ("regierungsbezirke", "kreise", "languages", "request_statuses")
            )
        )


@dataclass(frozen=True)
class Recipient:
    """One person to send to: the user and the chat (their Telegram id)."""

    user_id: int
    chat_id: int
    is_advisor: bool
    is_contact: bool


async def set_news_consent(
    session: AsyncSession, user_id: int, agreed: bool, now: datetime, notice_version: str | None = None
) -> bool:
    """Record that the contact agrees (or no longer agrees) to receive news; True if that changed."""
    existing = await session.get(NewsConsent, user_id)
    if agreed and existing is None:
        session.add(NewsConsent(user_id=user_id, notice_version=notice_version, consented_at=now))
        await session.flush()
        return True
    if not agreed and existing is not None:
        await session.execute(delete(NewsConsent).where(NewsConsent.user_id == user_id))
        return True
    return False


async def has_news_consent(session: AsyncSession, user_id: int) -> bool:
    """Whether the user agreed to receive news."""
    return await session.get(NewsConsent, user_id) is not None


def _request_matches(request: KickoffRequest, flt: AudienceFilter) -> bool:
    """Whether a request's region, languages and status fit the audience filter."""
    if flt.regierungsbezirke and regierungsbezirk_key(request.kreis_ags) not in flt.regierungsbezirke:
        return False
    if flt.kreise and request.kreis_ags not in flt.kreise:
        return False
    if flt.languages and not set(request.languages or ()) & set(flt.languages):
        return False
    return not (flt.request_statuses and request.status not in flt.request_statuses)


def _advisor_area(advisor: Advisor) -> tuple[set[str], set[str]]:
    """(Kreise, Regierungsbezirke) the advisor serves or lives in."""
    kreise = set(advisor.kreise or ())
    bezirke = set(advisor.regierungsbezirke or ()) | {regierungsbezirk_key(k) for k in kreise}
    home = locate(advisor.home_ags)
    if home is not None:
        kreise.add(home.kreis_ags)
        bezirke.add(home.regierungsbezirk_key)
    return kreise, bezirke


def _advisor_matches(advisor: Advisor, held_statuses: set[str], flt: AudienceFilter) -> bool:
    """Whether an advisor's area, languages and request statuses fit the audience filter."""
    kreise, bezirke = _advisor_area(advisor)
    if flt.regierungsbezirke and not bezirke & set(flt.regierungsbezirke):
        return False
    # A whole Regierungsbezirk served covers each of its Kreise.
    if flt.kreise and not any(k in kreise or regierungsbezirk_key(k) in bezirke for k in flt.kreise):
        return False
    if flt.languages and not set(advisor.languages or ()) & set(flt.languages):
        return False
    return not (flt.request_statuses and not held_statuses & set(flt.request_statuses))


async def _advisors(session: AsyncSession, flt: AudienceFilter) -> list[User]:
    """The reachable active advisors the filter selects."""
    rows = await session.execute(
        select(Advisor, User)
        .join(User, User.id == Advisor.user_id)
        .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role == Role.ADVISOR.value))
        .where(Advisor.active.is_(True), User.unreachable_since.is_(None))
    )
    pairs = rows.tuples().all()
    held: dict[int, set[str]] = {}
    if flt.request_statuses:
        statuses = await session.execute(
            select(Offer.advisor_id, KickoffRequest.status)
            .join(KickoffRequest, KickoffRequest.id == Offer.request_id)
            .where(Offer.status.in_(HOLDING_STATUSES))
        )
        for advisor_id, status in statuses.tuples().all():
            held.setdefault(advisor_id, set()).add(status)
    return [user for advisor, user in pairs if _advisor_matches(advisor, held.get(advisor.id, set()), flt)]


async def _contacts(session: AsyncSession, flt: AudienceFilter) -> list[User]:
    """The reachable municipal contacts who agreed to news and fit the filter."""
    users = list(
        await session.scalars(
            select(User)
            .join(NewsConsent, NewsConsent.user_id == User.id)
            .where(User.unreachable_since.is_(None))
        )
    )
    if flt == AudienceFilter() or not users:
        return users
    # A join rather than IN (…): the list of consenting contacts may outgrow a query's parameters.
    requests = await session.scalars(
        select(KickoffRequest).join(NewsConsent, NewsConsent.user_id == KickoffRequest.contact_user_id)
    )
    matching = {r.contact_user_id for r in requests if _request_matches(r, flt)}
    return [u for u in users if u.id in matching]


async def select_recipients(
    session: AsyncSession, audience: BroadcastAudience | str, flt: AudienceFilter
) -> list[Recipient]:
    """Everybody the broadcast goes to, once each, in user id order."""
    audience = BroadcastAudience(audience)
    found: dict[int, Recipient] = {}
    if audience in (BroadcastAudience.ADVISORS, BroadcastAudience.BOTH):
        for user in await _advisors(session, flt):
            found[user.id] = Recipient(user.id, user.telegram_id, True, False)
    if audience in (BroadcastAudience.CONTACTS, BroadcastAudience.BOTH):
        for user in await _contacts(session, flt):
            earlier = found.get(user.id)
            found[user.id] = Recipient(user.id, user.telegram_id, earlier is not None, True)
    return [found[user_id] for user_id in sorted(found)]


def filter_errors(flt: AudienceFilter) -> list[str]:
    """The filter kinds that hold unknown values (empty when the filter is fine)."""
    bad = []
    if any(k not in regierungsbezirk_names() for k in flt.regierungsbezirke):
        bad.append("regierungsbezirke")
    if any(get_registry().kreis(k) is None for k in flt.kreise):
        bad.append("kreise")
    if any(not languages.is_known(code) for code in flt.languages):
        bad.append("languages")
    if any(s not in set(RequestStatus) for s in flt.request_statuses):
        bad.append("request_statuses")
    return bad
