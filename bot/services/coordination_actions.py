"""What coordinators do to a request: assign by hand, re-offer, close with a reason, add a note.

Every action checks the coordinator role in the database first (whatever a button says), locks the
request like the cascade does, and writes an audit row in the same transaction. Results say what
happened and whom the caller should notify.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import assignment, audit, funnel, offers
from bot.services.assignment import Withdrawal
from bot.services.offers import DEFAULT_OFFER_TIMING, OfferOutcome, OfferResult, OfferTiming
from models import Advisor, AuditAction, CoordinatorAction, KickoffRequest, RequestStatus

NOTE_MAX = 2000
REASON_MAX = 500
# Closing after the kickoff completes the request; closing before it is a side exit (cancelled),
# so the statistics never count a request closed early as having run its course.
COMPLETED_BY_CLOSING = (RequestStatus.KICKOFF_HELD, RequestStatus.CONSULTATION)
CLOSABLE = (
    RequestStatus.SUBMITTED,
    RequestStatus.OFFERED,
    RequestStatus.NO_MATCH,
    RequestStatus.ACCEPTED,
    RequestStatus.SCHEDULED,
    *COMPLETED_BY_CLOSING,
)


class ActionOutcome(enum.StrEnum):
    """What a coordinator action did; everything but ``DONE`` changed nothing."""

    DONE = "done"
    NOT_ALLOWED = "not_allowed"  # the caller is no coordinator
    NOT_FOUND = "not_found"
    INVALID = "invalid"  # empty or too long text
    NOT_POSSIBLE = "not_possible"  # the request's status does not allow it (see result.request.status)


@dataclass(frozen=True)
class NoteResult:
    """The note as stored (an audit row), or why not."""

    kind: ActionOutcome
    action: CoordinatorAction | None = None


@dataclass(frozen=True)
class CloseResult:
    """The closed request; ``withdrawal`` says which pending offer and booking were taken back
    (notify their advisor), ``holder`` is the advisor who had the request (notify them too)."""

    kind: ActionOutcome
    request: KickoffRequest | None = None
    withdrawal: Withdrawal | None = None
    holder: Advisor | None = None


@dataclass(frozen=True)
class ReofferResult:
    """``withdrawn`` is the pending offer taken back (notify its advisor); ``next`` what the cascade
    did then: a new offer (notify its advisor) or an escalation (tell the coordinators)."""

    kind: ActionOutcome
    request: KickoffRequest | None = None
    withdrawn: OfferResult | None = None
    next: OfferResult | None = None


def _text(value: str, limit: int) -> str | None:
    """The stripped text if it is not empty and not too long, else None."""
    text = value.strip()
    return text if 0 < len(text) <= limit else None


async def add_note(
    session: AsyncSession, request_id: int, coordinator_user_id: int, text: str, now: datetime
) -> NoteResult:
    """Add an internal note to the request's history (never shown to the contact or advisor)."""
    if not await audit.is_coordinator(session, coordinator_user_id):
        return NoteResult(ActionOutcome.NOT_ALLOWED)
    note = _text(text, NOTE_MAX)
    if note is None:
        return NoteResult(ActionOutcome.INVALID)
    if await session.get(KickoffRequest, request_id) is None:
        return NoteResult(ActionOutcome.NOT_FOUND)
    row = audit.record(
        session, coordinator_user_id, AuditAction.NOTE, now, request_id=request_id, details={"text": note}
    )
    await session.flush()
    return NoteResult(ActionOutcome.DONE, row)


async def close_request(
    session: AsyncSession,
    request_id: int,
    coordinator_user_id: int,
    reason: str,
    now: datetime,
    *,
    code: str | None = None,
) -> CloseResult:
    """Close the request with a reason: ``closed`` after a kickoff, otherwise ``cancelled``.

    ``code`` is the reason chosen from the menu (None for a typed one); it is kept with the reason
    so the history says which sentence the contact read.

    A pending offer is withdrawn and an open booking cancelled, as when the contact withdraws.
    """
    if not await audit.is_coordinator(session, coordinator_user_id):
        return CloseResult(ActionOutcome.NOT_ALLOWED)
    why = _text(reason, REASON_MAX)
    if why is None:
        return CloseResult(ActionOutcome.INVALID)
    request = await funnel.lock_request(session, request_id)
    if request is None:
        return CloseResult(ActionOutcome.NOT_FOUND)
    previous = request.status
    target = RequestStatus.CLOSED if previous in COMPLETED_BY_CLOSING else RequestStatus.CANCELLED
    had = await offers.holder(session, request_id)
    if previous not in CLOSABLE or not await funnel.move(
        session, request, target, coordinator_user_id, now, (RequestStatus(previous),)
    ):
        return CloseResult(ActionOutcome.NOT_POSSIBLE, request)
    withdrawal = await assignment.after_withdrawal(session, request_id, coordinator_user_id, now)
    audit.record(
        session,
        coordinator_user_id,
        AuditAction.CLOSE,
        now,
        request_id=request_id,
        advisor_id=had.id if had else None,
        details={
            "reason": why,
            "from_status": previous,
            "to_status": target.value,
            **({"reason_code": code} if code else {}),
        },
    )
    return CloseResult(ActionOutcome.DONE, request, withdrawal, had)


async def reoffer(
    session: AsyncSession,
    request_id: int,
    coordinator_user_id: int,
    now: datetime,
    timing: OfferTiming = DEFAULT_OFFER_TIMING,
) -> ReofferResult:
    """Take back the pending offer (if any) and offer the request to the next candidate, or escalate.

    The advisor whose offer was taken back is not offered it again (matching rules out earlier offers).
    """
    if not await audit.is_coordinator(session, coordinator_user_id):
        return ReofferResult(ActionOutcome.NOT_ALLOWED)
    request = await funnel.lock_request(session, request_id)
    if request is None:
        return ReofferResult(ActionOutcome.NOT_FOUND)
    if request.status not in funnel.MATCHABLE:
        return ReofferResult(ActionOutcome.NOT_POSSIBLE, request)
    withdrawn = await assignment.withdraw_pending(session, request_id, coordinator_user_id, now)
    following = await offers.offer_next(session, request_id, now, timing)
    audit.record(
        session,
        coordinator_user_id,
        AuditAction.REOFFER,
        now,
        request_id=request_id,
        advisor_id=following.advisor.id if following.advisor else None,
        details={
            "withdrawn_advisor_id": withdrawn.advisor.id if withdrawn and withdrawn.advisor else None,
            "outcome": following.kind.value,
        },
    )
    return ReofferResult(ActionOutcome.DONE, following.request or request, withdrawn, following)


async def assign(
    session: AsyncSession,
    request_id: int,
    advisor_id: int,
    coordinator_user_id: int,
    now: datetime,
    timing: OfferTiming = DEFAULT_OFFER_TIMING,
) -> OfferResult:
    """Offer the request to an advisor by hand (:func:`assignment.assign_manually`), audited.

    The ranked list to choose from is :func:`bot.services.matching_data.rank_request`.
    """
    result = await assignment.assign_manually(
        session, request_id, advisor_id, coordinator_user_id, now, timing
    )
    if result.kind == OfferOutcome.ASSIGNED:
        audit.record(
            session,
            coordinator_user_id,
            AuditAction.ASSIGN,
            now,
            request_id=request_id,
            advisor_id=advisor_id,
            details={"withdrawn_advisor_ids": [o.advisor_id for o in result.withdrawn]},
        )
    return result
