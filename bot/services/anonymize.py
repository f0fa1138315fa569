"""Removing a request's personal fields while keeping what the statistics count.

Kept: reference, place, topics, languages, meeting format, status, dates and the funnel events.
Removed: the contact's name, role, e-mail, phone, goals, own topic, time windows, the kickoff's
location and outcome note, and the texts coordinators typed about the request (notes, reasons).
Used by the erasure of a person and by the retention sweep; both compare-and-set on
``anonymized_at``, so running twice changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, CoordinatorAction, KickoffRequest

# The columns that identify or describe the contact, and what they become.
BLANK_FIELDS: dict[str, Any] = {
    "contact_name": "",
    "contact_role": "",
    "email": "",
    "phone": None,
    "goals": None,
    "topic_other": None,
    "time_windows": [],
}
# Free-text keys of audit details (a note's text, a closing reason) that may name the contact.
AUDIT_TEXT_KEYS = ("text", "reason")


def personal_strings(request: KickoffRequest) -> list[str]:
    """The request's personal texts, to find them in other places (messages, updates) as well."""
    values = [request.contact_name, request.contact_role, request.email, request.phone]
    values += [request.goals, request.topic_other]
    return [v for v in values if v]


async def anonymize_request(
    session: AsyncSession, request_id: int, now: datetime, *conditions: Any, detach: bool = True
) -> bool:
    """Blank the request's personal fields (once: only while ``anonymized_at`` is empty and every
    extra condition holds); True when this call did it. ``detach`` also forgets whose it was."""
    values: dict[str, Any] = {**BLANK_FIELDS, "anonymized_at": now}
    if detach:
        values["contact_user_id"] = None
    result = await session.execute(
        update(KickoffRequest)
        .where(KickoffRequest.id == request_id, KickoffRequest.anonymized_at.is_(None), *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.execute(
        update(Booking)
        .where(Booking.request_id == request_id)
        .values(location=None, outcome_note=None)
        .execution_options(synchronize_session=False)
    )
    await blank_audit_texts(session, request_id)
    # Objects read earlier in this transaction show the blanked values from now on.
    await session.get(KickoffRequest, request_id, populate_existing=True)
    await session.scalars(
        select(Booking).where(Booking.request_id == request_id).execution_options(populate_existing=True)
    )
    return True


async def blank_audit_texts(session: AsyncSession, request_id: int) -> int:
    """Empty the free texts of the request's audit rows (the rows stay: who did what, when)."""
    rows = await session.scalars(select(CoordinatorAction).where(CoordinatorAction.request_id == request_id))
    changed = 0
    for row in rows:
        details = dict(row.details or {})
        if any(details.get(key) for key in AUDIT_TEXT_KEYS):
            # A new dict: the JSON column notices only reassignment, not changes inside it.
            row.details = {**details, **{key: "" for key in AUDIT_TEXT_KEYS if key in details}}
            changed += 1
    return changed
