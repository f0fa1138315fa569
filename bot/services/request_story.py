"""A request's history as people read it: each person by the name of their profile, and the
acceptance of an advisor the request was later taken from shown where it happened.

:func:`bot.services.audit.request_history` gives the raw rows (a Telegram first name for whoever
acted); this module only renames and restores, it never drops an entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.audit import HistoryEntry, HistoryKind
from models import Advisor, AuditAction, KickoffRequest, OfferStatus

# Entries at the same instant: the coordinator's action first, then offers, then the status.
KIND_ORDER = {HistoryKind.AUDIT: 0, HistoryKind.OFFER: 1, HistoryKind.OFFER_DECIDED: 1, HistoryKind.STATUS: 2}


async def _profile_names(
    session: AsyncSession, request: KickoffRequest, user_ids: set[int]
) -> dict[int, str]:
    """User id → the name on their profile: an advisor's display name, the contact's own name."""
    names: dict[int, str] = {}
    if user_ids:
        rows = await session.execute(
            select(Advisor.user_id, Advisor.display_name).where(Advisor.user_id.in_(user_ids))
        )
        names = {user_id: name for user_id, name in rows.tuples().all() if user_id is not None and name}
    if request.contact_user_id in user_ids and request.contact_name and request.anonymized_at is None:
        names[request.contact_user_id] = request.contact_name
    return names


def _restored(entries: Sequence[HistoryEntry]) -> list[HistoryEntry]:
    """Taking a request from its advisor overwrote their offer's decision; the reassignment's audit
    row kept when and how they had it, so that acceptance appears at its own time again."""
    found = []
    for entry in entries:
        if entry.kind != HistoryKind.AUDIT or entry.code != AuditAction.REASSIGN:
            continue
        since = entry.details.get("held_since")
        if not isinstance(since, str):
            continue
        at = datetime.fromisoformat(since)
        if entry.at.tzinfo is not None and at.tzinfo is None:
            at = at.replace(tzinfo=entry.at.tzinfo)
        held_by = entry.details.get("held_by_user_id")
        found.append(
            HistoryEntry(
                at,
                HistoryKind.OFFER_DECIDED,
                str(entry.details.get("held_status") or OfferStatus.ACCEPTED),
                held_by if isinstance(held_by, int) else None,
                None,
                entry.advisor_id,
                entry.advisor_name,
            )
        )
    return found


async def readable_history(
    session: AsyncSession, request: KickoffRequest, history: Sequence[HistoryEntry]
) -> list[HistoryEntry]:
    """The history with profile names and restored acceptances, oldest first."""
    entries = [*history, *_restored(history)]
    ids = {e.actor_user_id for e in entries if e.actor_user_id is not None}
    names = await _profile_names(session, request, ids)
    renamed = [
        replace(e, actor_name=names[e.actor_user_id]) if e.actor_user_id in names else e for e in entries
    ]
    return sorted(renamed, key=lambda e: (e.at, KIND_ORDER.get(e.kind, 3)))
