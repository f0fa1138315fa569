"""What the offer cascade's calls return: the outcome, the offer and request concerned, and what
followed; and how long an advisor has to answer. Shared by :mod:`bot.services.offers` and the
modules built on it (sweeps, assignment by hand, giving back)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import timedelta

from bot.config import Settings
from bot.services.matching import Ranking
from models import Advisor, KickoffRequest, Offer


@dataclass(frozen=True)
class OfferTiming:
    """How long an advisor has to answer; the reminder goes out half-way."""

    response: timedelta = timedelta(hours=48)

    @classmethod
    def from_settings(cls, settings: Settings) -> OfferTiming:
        """The timing configured by ``OFFER_RESPONSE_HOURS``."""
        return cls(timedelta(hours=settings.offer_response_hours))


DEFAULT_OFFER_TIMING = OfferTiming()


class OfferOutcome(enum.StrEnum):
    """What a call did (the first group changes state, the second explains why nothing changed)."""

    OFFERED = "offered"  # notify offer's advisor
    ESCALATED = "escalated"  # notify every coordinator, with result.ranking
    ACCEPTED = "accepted"  # notify advisor (now with contact details) and the request's contact
    DECLINED = "declined"  # then see result.next
    EXPIRED = "expired"  # notify advisor that it passed on; then see result.next
    SKIPPED = "skipped"  # advisor blocked the bot: tell the coordinators; then see result.next
    # A coordinator offered the request by hand: notify the advisor (an offer from the coordination
    # team; the contact hears the name only once it is accepted) and the advisors of result.withdrawn.
    ASSIGNED = "assigned"
    # A hand offer ended unaccepted (declined, expired, skipped): the request is back with the
    # coordinators (``no_match``); tell them, with result.ranking to assign it again.
    RETURNED = "returned"
    # The advisor gave back a request they held: tell the coordinators (and the contact); see result.next.
    GIVEN_BACK = "given_back"
    WITHDRAWN = "withdrawn"  # the request went away: notify the offer's advisor
    ALREADY_PENDING = "already_pending"  # offer_next found the request's open offer: nothing new
    ALREADY_DECIDED = "already_decided"  # the offer is no longer pending (see offer.status)
    TOO_LATE = "too_late"  # answered after respond_by: expired now; see result.next
    NOT_YOURS = "not_yours"  # the caller is not the offer's advisor (answer like NOT_FOUND)
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"  # manual assignment by someone who is no coordinator
    REQUEST_CLOSED = "request_closed"  # the request is no longer looking for an advisor
    ALREADY_ASSIGNED = "already_assigned"  # the request keeps the advisor it has
    ADVISOR_UNAVAILABLE = "advisor_unavailable"  # inactive or not linked to Telegram


CHANGED = frozenset(
    {
        OfferOutcome.OFFERED,
        OfferOutcome.ESCALATED,
        OfferOutcome.ACCEPTED,
        OfferOutcome.DECLINED,
        OfferOutcome.EXPIRED,
        OfferOutcome.SKIPPED,
        OfferOutcome.ASSIGNED,
        OfferOutcome.RETURNED,
        OfferOutcome.GIVEN_BACK,
        OfferOutcome.WITHDRAWN,
        OfferOutcome.TOO_LATE,
    }
)


@dataclass(frozen=True)
class OfferResult:
    """What happened to an offer or request, with everything needed to tell the people involved.

    ``next`` is what the cascade did afterwards (a new offer or an escalation); ``ranking`` is set
    for offers and escalations; ``withdrawn`` lists pending offers a manual assignment took back.
    """

    kind: OfferOutcome
    offer: Offer | None = None
    request: KickoffRequest | None = None
    advisor: Advisor | None = None
    ranking: Ranking | None = None
    next: OfferResult | None = None
    withdrawn: tuple[Offer, ...] = field(default=())

    @property
    def changed(self) -> bool:
        """Whether this call changed anything."""
        return self.kind in CHANGED
