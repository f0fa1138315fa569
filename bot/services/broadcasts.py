"""Broadcasts as coordinators handle them: draft, preview count, schedule, cancel, retry, progress.

Sending is the sweep's job (:mod:`bot.services.broadcast_engine`): it starts due broadcasts, picks
their recipients and feeds them to the outbox's bulk lane in batches. Every change here checks the
coordinator role in the database and is audited. What the calls answer is in
:mod:`bot.services.broadcast_results`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.broadcast_audience import AudienceFilter, filter_errors, select_recipients
from bot.services.broadcast_content import Media, content_errors, media_of
from bot.services.broadcast_outcomes import collect_outcomes, refresh_counters, settle_cancelled
from bot.services.broadcast_results import AudiencePreview, BroadcastOutcome, BroadcastResult
from models import (
    AuditAction,
    Broadcast,
    BroadcastAudience,
    BroadcastRecipient,
    BroadcastStatus,
    OutboxMessage,
    OutboxStatus,
    RecipientStatus,
)

EDITABLE = (BroadcastStatus.DRAFT,)
CANCELLABLE = (BroadcastStatus.DRAFT, BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING)


async def preview_audience(
    session: AsyncSession, audience: BroadcastAudience | str, flt: AudienceFilter
) -> AudiencePreview:
    """How many would receive a broadcast to ``audience`` narrowed by ``flt`` if it went out now."""
    recipients = await select_recipients(session, audience, flt)
    return AudiencePreview(
        len(recipients), sum(r.is_advisor for r in recipients), sum(r.is_contact for r in recipients)
    )


async def create_draft(
    session: AsyncSession,
    coordinator_user_id: int,
    audience: BroadcastAudience | str,
    flt: AudienceFilter,
    text: str,
    now: datetime,
    media: Media | None = None,
) -> BroadcastResult:
    """Store a draft (the text is HTML; the caller escapes what it did not mean as markup)."""
    if not await audit.is_coordinator(session, coordinator_user_id):
        return BroadcastResult(BroadcastOutcome.NOT_ALLOWED)
    errors = content_errors(text, media) + filter_errors(flt)
    if audience not in set(BroadcastAudience):
        errors.append("audience")
    if errors:
        return BroadcastResult(BroadcastOutcome.INVALID, errors=tuple(errors))
    broadcast = Broadcast(
        created_by_user_id=coordinator_user_id,
        audience=BroadcastAudience(audience).value,
        filters=flt.to_json(),
        text=text.strip(),
        status=BroadcastStatus.DRAFT,
        created_at=now,
        updated_at=now,
    )
    _set_media(broadcast, media)
    session.add(broadcast)
    await session.flush()
    audit.record(
        session,
        coordinator_user_id,
        AuditAction.BROADCAST_CREATE,
        now,
        details={"broadcast_id": broadcast.id},
    )
    return BroadcastResult(BroadcastOutcome.DONE, broadcast)


async def update_draft(
    session: AsyncSession,
    broadcast_id: int,
    coordinator_user_id: int,
    now: datetime,
    *,
    audience: BroadcastAudience | str | None = None,
    flt: AudienceFilter | None = None,
    text: str | None = None,
    media: Media | None = None,
    remove_media: bool = False,
) -> BroadcastResult:
    """Change a draft (what is None stays); the result is checked as a whole, like a new draft."""
    refused, broadcast = await _coordinator_and_broadcast(
        session, broadcast_id, coordinator_user_id, lock=True
    )
    if refused is not None or broadcast is None:
        return refused or BroadcastResult(BroadcastOutcome.NOT_FOUND)
    if broadcast.status != BroadcastStatus.DRAFT:
        return BroadcastResult(BroadcastOutcome.NOT_POSSIBLE, broadcast)
    new_media = None if remove_media else media or media_of(broadcast)
    new_text = broadcast.text if text is None else text
    new_filter = AudienceFilter.from_json(broadcast.filters) if flt is None else flt
    new_audience = broadcast.audience if audience is None else audience
    errors = content_errors(new_text, new_media) + filter_errors(new_filter)
    if new_audience not in set(BroadcastAudience):
        errors.append("audience")
    if errors:
        return BroadcastResult(BroadcastOutcome.INVALID, broadcast, tuple(errors))
    broadcast.audience = BroadcastAudience(new_audience).value
    broadcast.filters = new_filter.to_json()
    broadcast.text = new_text.strip()
    _set_media(broadcast, new_media)
    broadcast.updated_at = now
    return BroadcastResult(BroadcastOutcome.DONE, broadcast)


def _set_media(broadcast: Broadcast, media: Media | None) -> None:
    """Store a broadcast's attachment in its columns, or clear them for None."""
    broadcast.media_kind = media.kind.value if media else None
    broadcast.media_file_id = media.file_id if media else None
    broadcast.media_bytes = media.content if media else None
    broadcast.media_filename = media.filename if media else None


async def preview(session: AsyncSession, broadcast_id: int) -> AudiencePreview | None:
    """The recipient count of a stored broadcast if it went out now; None if it does not exist."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        return None
    return await preview_audience(session, broadcast.audience, AudienceFilter.from_json(broadcast.filters))


async def _coordinator_and_broadcast(
    session: AsyncSession, broadcast_id: int, user_id: int, *, lock: bool = False
) -> tuple[BroadcastResult | None, Broadcast | None]:
    """The broadcast if the user is a coordinator and it exists, else the refusal."""
    if not await audit.is_coordinator(session, user_id):
        return BroadcastResult(BroadcastOutcome.NOT_ALLOWED), None
    # Locked (on PostgreSQL) when the caller changes it in place, so a release cannot slip in between.
    broadcast = await session.get(Broadcast, broadcast_id, populate_existing=True, with_for_update=lock)
    if broadcast is None:
        return BroadcastResult(BroadcastOutcome.NOT_FOUND), None
    return None, broadcast


async def _cas(
    session: AsyncSession, broadcast: Broadcast, from_statuses: tuple[str, ...], **values: object
) -> bool:
    """Compare-and-set the broadcast's status: only the call whose update hit the row goes on."""
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast.id, Broadcast.status.in_(list(from_statuses)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(broadcast)
    return result.rowcount == 1  # type: ignore[attr-defined]


async def schedule(
    session: AsyncSession,
    broadcast_id: int,
    coordinator_user_id: int,
    now: datetime,
    send_at: datetime | None = None,
) -> BroadcastResult:
    """Release a draft: at ``send_at``, or with the next sweep when it is None or already past."""
    refused, broadcast = await _coordinator_and_broadcast(session, broadcast_id, coordinator_user_id)
    if refused is not None or broadcast is None:
        return refused or BroadcastResult(BroadcastOutcome.NOT_FOUND)
    when = send_at if send_at is not None and send_at > now else now
    if not await _cas(
        session, broadcast, EDITABLE, status=BroadcastStatus.SCHEDULED, send_at=when, updated_at=now
    ):
        return BroadcastResult(BroadcastOutcome.NOT_POSSIBLE, broadcast)
    audit.record(
        session,
        coordinator_user_id,
        AuditAction.BROADCAST_SCHEDULE,
        now,
        details={"broadcast_id": broadcast_id, "send_at": when.isoformat()},
    )
    return BroadcastResult(BroadcastOutcome.DONE, broadcast)


async def cancel(
    session: AsyncSession, broadcast_id: int, coordinator_user_id: int, now: datetime
) -> BroadcastResult:
    """Stop a broadcast: recipients not yet enqueued are dropped, outbox rows not yet sent taken back.

    ``count`` is how many recipients will not get it. A message the sender is sending at this very
    moment may still arrive; the outcome sweep then reports it as delivered. When nothing was under
    way the broadcast is finished at once (``finished_at`` set: its report is final now); else the
    sweep finishes it once those sends have an outcome and sends the report then.
    """
    refused, broadcast = await _coordinator_and_broadcast(session, broadcast_id, coordinator_user_id)
    if refused is not None or broadcast is None:
        return refused or BroadcastResult(BroadcastOutcome.NOT_FOUND)
    if not await _cas(
        session, broadcast, CANCELLABLE, status=BroadcastStatus.CANCELLED, cancelled_at=now, updated_at=now
    ):
        return BroadcastResult(BroadcastOutcome.NOT_POSSIBLE, broadcast)
    dropped = await session.execute(
        update(BroadcastRecipient)
        .where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.status == RecipientStatus.PENDING,
        )
        .values(status=RecipientStatus.CANCELLED, updated_at=now)
    )
    queued = (
        select(BroadcastRecipient.outbox_id)
        .where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.status == RecipientStatus.QUEUED,
        )
        .scalar_subquery()
    )
    # The sender claims only pending rows, so a cancelled row is never sent (nor retried).
    taken_back = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.id.in_(queued))
        .values(status=OutboxStatus.CANCELLED, error="broadcast cancelled")
    )
    await collect_outcomes(session, now, broadcast_id)
    await settle_cancelled(session, now, broadcast_id)
    await refresh_counters(session, [broadcast_id])
    await session.refresh(broadcast)
    count = dropped.rowcount + taken_back.rowcount  # type: ignore[attr-defined]
    audit.record(
        session,
        coordinator_user_id,
        AuditAction.BROADCAST_CANCEL,
        now,
        details={"broadcast_id": broadcast_id, "not_sent": count},
    )
    return BroadcastResult(BroadcastOutcome.DONE, broadcast, count=count)


async def retry_failed(
    session: AsyncSession, broadcast_id: int, coordinator_user_id: int, now: datetime
) -> BroadcastResult:
    """Send a finished broadcast again to the recipients whose message failed (never to anyone else).

    Blocked recipients are not retried: they blocked the bot. ``count`` is how many go again.
    """
    refused, broadcast = await _coordinator_and_broadcast(session, broadcast_id, coordinator_user_id)
    if refused is not None or broadcast is None:
        return refused or BroadcastResult(BroadcastOutcome.NOT_FOUND)
    failed = await session.scalar(
        select(func.count())
        .select_from(BroadcastRecipient)
        .where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.status == RecipientStatus.FAILED,
        )
    )
    if not failed or not await _cas(
        session,
        broadcast,
        (BroadcastStatus.DONE,),
        status=BroadcastStatus.SENDING,
        finished_at=None,
        updated_at=now,
    ):
        return BroadcastResult(BroadcastOutcome.NOT_POSSIBLE, broadcast)
    requeued = await session.execute(
        update(BroadcastRecipient)
        .where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.status == RecipientStatus.FAILED,
        )
        .values(status=RecipientStatus.PENDING, outbox_id=None, updated_at=now)
    )
    await refresh_counters(session, [broadcast_id])
    count = requeued.rowcount  # type: ignore[attr-defined]
    audit.record(
        session,
        coordinator_user_id,
        AuditAction.BROADCAST_RETRY,
        now,
        details={"broadcast_id": broadcast_id, "retried": count},
    )
    return BroadcastResult(BroadcastOutcome.DONE, broadcast, count=count)
