"""The coordinators' audit trail, and a request's history: status events, offers and audit rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Advisor,
    AuditAction,
    CoordinatorAction,
    Offer,
    RequestEvent,
    Role,
    User,
)


class HistoryKind:
    """What a history entry stands for (plain strings so that handlers can map them to texts)."""

    STATUS = "status"  # code: the new status; details: from_status
    OFFER = "offer"  # code: "offered"; details: score, reasons, excluded (the stored match reasons)
    OFFER_DECIDED = "offer_decided"  # code: the offer's final status; details: reason
    AUDIT = "audit"  # code: the AuditAction; details as recorded


# Entries at the same instant keep a readable order: the coordinator's action (which caused the
# rest) first, then offers (each made before it is decided, older offers first), then the status.
_KIND_ORDER = {
    HistoryKind.AUDIT: 0,
    HistoryKind.OFFER: 1,
    HistoryKind.OFFER_DECIDED: 1,
    HistoryKind.STATUS: 2,
}


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a request's history."""

    at: datetime
    kind: str
    code: str
    actor_user_id: int | None = None
    actor_name: str | None = None
    advisor_id: int | None = None
    advisor_name: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


async def is_coordinator(session: AsyncSession, user_id: int) -> bool:
    """Whether the user holds the coordinator role (by the database, whatever a button says)."""
    user = await session.get(User, user_id)
    return user is not None and user.has_role(Role.COORDINATOR)


def record(
    session: AsyncSession,
    actor_user_id: int | None,
    action: AuditAction,
    now: datetime,
    *,
    request_id: int | None = None,
    advisor_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> CoordinatorAction:
    """Store one coordinator action in the current transaction (it commits with the action itself)."""
    row = CoordinatorAction(
        actor_user_id=actor_user_id,
        action=action.value,
        request_id=request_id,
        advisor_id=advisor_id,
        details=dict(details or {}),
        created_at=now,
    )
    session.add(row)
    return row


async def actions(
    session: AsyncSession, *, request_id: int | None = None, advisor_id: int | None = None, limit: int = 100
) -> list[CoordinatorAction]:
    """Audit rows about a request or an advisor (or all), newest first."""
    query = select(CoordinatorAction).order_by(
        CoordinatorAction.created_at.desc(), CoordinatorAction.id.desc()
    )
    if request_id is not None:
        query = query.where(CoordinatorAction.request_id == request_id)
    if advisor_id is not None:
        query = query.where(CoordinatorAction.advisor_id == advisor_id)
    return list(await session.scalars(query.limit(limit)))


# The audit actions about chat-made knowledge-base entries; their details name the entry ("team-3").
KNOWLEDGE_ACTIONS = (
    AuditAction.KNOWLEDGE_CREATE,
    AuditAction.KNOWLEDGE_EDIT,
    AuditAction.KNOWLEDGE_RETIRE,
    AuditAction.KNOWLEDGE_REACTIVATE,
)


async def knowledge_actions(
    session: AsyncSession, entry_key: str, limit: int = 100
) -> list[CoordinatorAction]:
    """Audit rows about one chat-made knowledge-base entry (by its id, e.g. "team-3"), newest first."""
    query = (
        select(CoordinatorAction)
        .where(
            CoordinatorAction.action.in_([a.value for a in KNOWLEDGE_ACTIONS]),
            CoordinatorAction.details["entry"].as_string() == entry_key,
        )
        .order_by(CoordinatorAction.created_at.desc(), CoordinatorAction.id.desc())
    )
    return list(await session.scalars(query.limit(limit)))


def _candidate_of(offer: Offer) -> dict[str, Any]:
    """The stored ranking entry of the offer's own advisor: why they were chosen."""
    for candidate in offer.ranking or ():
        if candidate.get("advisor_id") == offer.advisor_id:
            return {
                "score": candidate.get("score"),
                "reasons": list(candidate.get("reasons", [])),
                "excluded": list(candidate.get("excluded", [])),
            }
    return {}


async def _names(session: AsyncSession, user_ids: set[int], advisor_ids: set[int]) -> tuple[dict, dict]:
    """The first names of the users and display names of the advisors an audit log mentions."""
    users = {}
    if user_ids:
        rows = await session.execute(select(User.id, User.first_name).where(User.id.in_(user_ids)))
        users = dict(rows.tuples().all())
    advisors = {}
    if advisor_ids:
        rows = await session.execute(
            select(Advisor.id, Advisor.display_name).where(Advisor.id.in_(advisor_ids))
        )
        advisors = dict(rows.tuples().all())
    return users, advisors


async def request_history(session: AsyncSession, request_id: int) -> list[HistoryEntry]:
    """Everything that happened to a request, oldest first: transitions, offers and their outcome,
    and coordinator actions (notes, closing, re-offers, assignments)."""
    events = list(await session.scalars(select(RequestEvent).where(RequestEvent.request_id == request_id)))
    offers = list(await session.scalars(select(Offer).where(Offer.request_id == request_id)))
    audits = list(
        await session.scalars(select(CoordinatorAction).where(CoordinatorAction.request_id == request_id))
    )
    user_ids = {e.actor_user_id for e in events} | {o.decided_by_user_id for o in offers}
    user_ids |= {a.actor_user_id for a in audits}
    advisor_ids = {o.advisor_id for o in offers} | {a.advisor_id for a in audits}
    users, advisors = await _names(session, user_ids - {None}, advisor_ids - {None})
    raw: list[tuple[HistoryEntry, int]] = []
    for event in events:
        entry = HistoryEntry(
            event.created_at,
            HistoryKind.STATUS,
            event.to_status,
            event.actor_user_id,
            users.get(event.actor_user_id),
            details={"from_status": event.from_status},
        )
        raw.append((entry, event.id))
    for offer in offers:
        name = advisors.get(offer.advisor_id)
        offered = HistoryEntry(
            offer.created_at,
            HistoryKind.OFFER,
            "offered",
            None,
            None,
            offer.advisor_id,
            name,
            _candidate_of(offer),
        )
        raw.append((offered, offer.id * 2))
        if offer.decided_at is not None:
            decided = HistoryEntry(
                offer.decided_at,
                HistoryKind.OFFER_DECIDED,
                offer.status,
                offer.decided_by_user_id,
                users.get(offer.decided_by_user_id),
                offer.advisor_id,
                name,
                {"reason": offer.decline_reason} if offer.decline_reason else {},
            )
            raw.append((decided, offer.id * 2 + 1))
    for action in audits:
        entry = HistoryEntry(
            action.created_at,
            HistoryKind.AUDIT,
            action.action,
            action.actor_user_id,
            users.get(action.actor_user_id),
            action.advisor_id,
            advisors.get(action.advisor_id) if action.advisor_id else None,
            dict(action.details or {}),
        )
        raw.append((entry, action.id))
    raw.sort(key=lambda item: (item[0].at, _KIND_ORDER[item[0].kind], item[1]))
    return [entry for entry, _id in raw]
