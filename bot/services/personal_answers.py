"""Answers that know the asker: "Can I move the date?" answered from their own request, not in general.

Telegram-free. Some knowledge-base entries are about the asker's own request (moving the date,
withdrawing, where it stands, who advises them, how long it takes, whom to contact). When the
knowledge base answers with one of them and the asker has a request that is not finished, the
handlers show that request instead of the generic text; :func:`open_requests` gathers what they
need (status, the advisor who accepted, the proposed or confirmed date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import booking, offers
from bot.services.requests import WITHDRAWABLE
from models import Advisor, Booking, BookingStatus, KickoffRequest, RequestStatus

# A request in one of these needs nothing more from anybody: no personal answer refers to it.
FINISHED = frozenset({RequestStatus.CLOSED, RequestStatus.WITHDRAWN, RequestStatus.CANCELLED})
# How many open requests a personal answer lists (a municipality rarely has more than one or two).
SHOWN = 5
# A title such as "Dr." is not what a contact calls their advisor.
_TITLES = frozenset({"dr.", "prof.", "dipl.", "mag.", "frau", "herr", "mr.", "mrs.", "ms."})


class Topic(StrEnum):
    """A knowledge-base entry about the asker's own request; the value is the entry's id."""

    RESCHEDULE = "reschedule"
    CANCEL = "cancel-request"
    STATUS = "request-status"
    ADVISOR = "my-advisor"
    RESPONSE_TIME = "response-time"
    CONTACT = "contact-person"


_BY_ENTRY = {topic.value: topic for topic in Topic}


def topic_of(entry_id: str | None) -> Topic | None:
    """The personal topic of an entry, or None for an entry that is the same for everyone."""
    return _BY_ENTRY.get(entry_id or "")


@dataclass(frozen=True)
class Situation:
    """One open request as its contact needs to see it in an answer."""

    request: KickoffRequest
    advisor: Advisor | None  # who accepted (or was assigned) the request, if anybody did yet
    talk: Booking | None  # the kickoff talk's row, whatever its status

    @property
    def status(self) -> RequestStatus:
        """The request's funnel status."""
        return RequestStatus(self.request.status)

    @property
    def proposed(self) -> bool:
        """Whether a date is proposed and waits for the contact's answer."""
        return self.talk is not None and self.talk.status == BookingStatus.PROPOSED

    @property
    def confirmed(self) -> bool:
        """Whether the kickoff date is agreed."""
        return self.talk is not None and self.talk.status == BookingStatus.CONFIRMED

    @property
    def another_date_asked(self) -> bool:
        """Whether the contact asked for another date and waits for the advisor's new proposal."""
        return self.talk is not None and self.talk.status == BookingStatus.DECLINED

    @property
    def date(self) -> datetime | None:
        """The proposed or confirmed start of the kickoff talk, else None."""
        return self.talk.starts_at if self.talk is not None and (self.proposed or self.confirmed) else None

    @property
    def withdrawable(self) -> bool:
        """Whether the contact may still withdraw the request (no kickoff talk held yet)."""
        return self.status in WITHDRAWABLE

    @property
    def advisor_first_name(self) -> str | None:
        """The advisor's first name (as a contact addresses them in a chat), if one accepted."""
        return first_name(self.advisor.display_name) if self.advisor is not None else None


def first_name(display_name: str) -> str:
    """The first name in a display name ("Dr. Mehmet Yılmaz" → "Mehmet"); the whole name if unclear."""
    words = [w for w in display_name.split() if w.casefold() not in _TITLES]
    return words[0] if words else display_name.strip()


def _open(user_id: int) -> Select[tuple[KickoffRequest]]:
    """The contact's unfinished requests, as a query to order or narrow."""
    return select(KickoffRequest).where(
        KickoffRequest.contact_user_id == user_id, KickoffRequest.status.not_in(list(FINISHED))
    )


async def open_requests(session: AsyncSession, user_id: int, limit: int = SHOWN) -> list[Situation]:
    """The contact's requests that are not finished, newest first, each with its advisor and talk."""
    rows = await session.scalars(
        _open(user_id)
        .order_by(KickoffRequest.id.desc())
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    found = []
    for request in rows:
        advisor = await offers.holder(session, request.id)
        found.append(Situation(request, advisor, await booking.for_request(session, request.id)))
    return found
