"""Intake drafts: start after consent, change step by step (compare-and-set), submit exactly once.

Every change is ``UPDATE … WHERE id = :id AND revision = :seen``: if another update (a double tap,
a repeated delivery, a second worker) changed the draft first, nothing happens and the caller
re-reads the draft and asks again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services import absent_rows, requests
from bot.services.intake_answers import first_unanswered, request_fields
from models import IntakeDraft, IntakeStep, KickoffRequest, utcnow

# Bump when the consent notice's content changes; drafts and requests store the version agreed to.
NOTICE_VERSION = "2026-11"
# The span MAX_REQUESTS_PER_DAY counts in: any 24 hours, not the calendar day.
REQUEST_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class DraftTiming:
    """When an inactive draft gets its reminder and when it is deleted."""

    reminder: timedelta
    retention: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> DraftTiming:
        """The timing configured by ``DRAFT_REMINDER_HOURS`` and ``DRAFT_RETENTION_DAYS``."""
        return cls(
            timedelta(hours=settings.draft_reminder_hours), timedelta(days=settings.draft_retention_days)
        )


async def next_request_at(
    session: AsyncSession, user_id: int, per_day: int, now: datetime | None = None
) -> datetime | None:
    """When the contact may send their next request under the daily limit; None while they may now."""
    now = now or utcnow()
    recent = await requests.created_since(session, user_id, now - REQUEST_WINDOW)
    if len(recent) < per_day:
        return None
    # Once enough of the recent ones are older than the window, one more fits.
    return recent[len(recent) - per_day] + REQUEST_WINDOW


# Asked for every text message: built once.
_DRAFT = (
    select(IntakeDraft)
    .where(IntakeDraft.user_id == bindparam("user_id"))
    .execution_options(populate_existing=True)
)


async def get_draft(session: AsyncSession, user_id: int) -> IntakeDraft | None:
    """The user's draft, freshly read (never a stale copy from earlier in the transaction); no read
    when the transaction knows there is none."""
    if absent_rows.known_absent(session, IntakeDraft, user_id):
        return None
    return await session.scalar(_DRAFT, {"user_id": user_id})


async def start(
    session: AsyncSession, user_id: int, timing: DraftTiming, now: datetime | None = None
) -> IntakeDraft:
    """Create the user's draft at the first question after they agreed to the notice.

    Insert-or-ignore on the unique ``user_id``: a second "agree" (double tap, two workers) finds
    the draft the first one made instead of failing.
    """
    now = now or utcnow()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(IntakeDraft)
        .values(
            user_id=user_id,
            step=IntakeStep.MUNICIPALITY,
            answers={},
            revision=0,
            active=True,
            editing=False,
            consent_version=NOTICE_VERSION,
            consented_at=now,
            created_at=now,
            updated_at=now,
            remind_at=now + timing.reminder,
            expires_at=now + timing.retention,
        )
        .on_conflict_do_nothing(index_elements=[IntakeDraft.user_id])
    )
    draft = await get_draft(session, user_id)
    assert draft is not None
    return draft


async def change(
    session: AsyncSession,
    draft: IntakeDraft,
    timing: DraftTiming,
    *,
    now: datetime | None = None,
    **values: Any,
) -> bool:
    """Set ``values`` (step, answers, active, editing) if nobody changed the draft since it was read.

    Every change counts as activity: the deletion deadline moves, and so does the reminder
    unless it was already sent (there is only one).
    """
    now = now or utcnow()
    result = await session.execute(
        update(IntakeDraft)
        .where(IntakeDraft.id == draft.id, IntakeDraft.revision == draft.revision)
        .values(
            revision=IntakeDraft.revision + 1,
            updated_at=now,
            expires_at=now + timing.retention,
            remind_at=case((IntakeDraft.reminded_at.is_(None), now + timing.reminder), else_=None),
            **values,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.refresh(draft)
    return True


async def discard(session: AsyncSession, draft: IntakeDraft) -> bool:
    """Delete the draft and everything entered in it, if unchanged since it was read."""
    result = await session.execute(
        delete(IntakeDraft).where(IntakeDraft.id == draft.id, IntakeDraft.revision == draft.revision)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def submit(session: AsyncSession, draft: IntakeDraft, locale: str, year: int) -> KickoffRequest | None:
    """Turn a complete draft at the summary into a request; None if it was submitted or changed already.

    Deleting the draft is the compare-and-set: only the update that deletes it creates the request,
    so a double tap or a repeated update yields exactly one request.
    """
    if draft.step != IntakeStep.SUMMARY or first_unanswered(draft.answers) is not None:
        return None
    result = await session.execute(
        delete(IntakeDraft).where(
            IntakeDraft.id == draft.id,
            IntakeDraft.revision == draft.revision,
            IntakeDraft.step == IntakeStep.SUMMARY,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    fields = {
        **request_fields(draft.answers),
        "locale": locale,
        "consent_version": draft.consent_version,
        "consented_at": draft.consented_at,
    }
    return await requests.create(session, fields, draft.user_id, year, utcnow())


@dataclass(frozen=True)
class EarlierConsent:
    """The consent a contact gave with their latest request: when, and to which notice version."""

    version: str
    given_at: datetime

    @property
    def current(self) -> bool:
        """Whether it was given to the notice shown today (else the notice must be read again)."""
        return self.version == NOTICE_VERSION


async def earlier_consent(session: AsyncSession, user_id: int) -> EarlierConsent | None:
    """The consent stored with the user's latest request that still holds their details.

    Every request keeps the notice version and time agreed to. An anonymised request no longer
    stands for a person's consent (its details are gone), so it is not counted.
    """
    row = (
        await session.execute(
            select(KickoffRequest.consent_version, KickoffRequest.consented_at)
            .where(KickoffRequest.contact_user_id == user_id, KickoffRequest.anonymized_at.is_(None))
            .order_by(KickoffRequest.id.desc())
            .limit(1)
        )
    ).first()
    return EarlierConsent(row[0], row[1]) if row is not None else None
