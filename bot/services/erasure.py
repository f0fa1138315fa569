"""Erasing everything stored about a person (``/loeschen``), whoever asks for it.

In one transaction: open requests are withdrawn (pending offers taken back, open kickoff dates
cancelled), every request of theirs is anonymised and kept for the statistics, their questions lose
text and answer (a public answer the team made of one keeps its reviewed texts but no longer says
which question it came from), an advisor's work goes back to the programme (:mod:`advisor_erasure`), drafts,
pending inputs, news consent and broadcast recipients go, their chat disappears from the inbox and
outbox (:mod:`scrub`), and the user row with its roles is deleted. The result says whom to tell.
The user row is locked first: a double tap or two coordinators at once erase once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import (
    advisors,
    assignment,
    funnel,
    knowledge_curation,
    offers,
    questions,
    requests,
    scrub,
)
from bot.services.advisor_erasure import AdvisorRelease, release
from bot.services.anonymize import anonymize_request, personal_strings
from bot.services.assignment import Withdrawal
from bot.services.offers import DEFAULT_OFFER_TIMING, OfferTiming
from models import (
    Advisor,
    Booking,
    BroadcastRecipient,
    ChatInput,
    IntakeDraft,
    KickoffRequest,
    NewsConsent,
    Question,
    RequestStatus,
    Role,
    RoleSource,
    User,
    UserRole,
)

# Requests that still run after their kickoff: kept (anonymised), their advisor is told.
RUNNING = (RequestStatus.KICKOFF_HELD, RequestStatus.CONSULTATION)
# Requests an advisor holds that are not finished.
HELD_OPEN = (RequestStatus.ACCEPTED, RequestStatus.SCHEDULED, *RUNNING)


class ErasureOutcome(enum.StrEnum):
    """What an erasure did."""

    DONE = "done"
    GONE = "gone"  # nobody to erase (already erased: a double tap, a stale button)
    LAST_COORDINATOR = "last_coordinator"  # refused: the programme would have no coordinator left


@dataclass(frozen=True)
class ErasurePreview:
    """What erasing the person would touch, for the confirmation screen."""

    roles: frozenset[Role]
    requests: int
    open_requests: int
    held_requests: int
    pending_offers: int
    last_coordinator: bool
    configured_coordinator: bool


@dataclass(frozen=True)
class WithdrawnRequest:
    """A request the erasure withdrew or ended: who held it and what was taken back."""

    request: KickoffRequest
    holder: Advisor | None
    withdrawal: Withdrawal | None


@dataclass(frozen=True)
class ErasureResult:
    """What was erased and whom to tell (the person themselves at ``telegram_id`` in ``locale``)."""

    kind: ErasureOutcome
    telegram_id: int = 0
    locale: str = ""
    withdrawn: tuple[WithdrawnRequest, ...] = ()
    running: tuple[WithdrawnRequest, ...] = ()
    advisor: AdvisorRelease | None = None
    requests: int = 0
    questions: int = 0
    scrubbed: scrub.ScrubCounts = field(default_factory=scrub.ScrubCounts)


async def coordinator_count(session: AsyncSession) -> int:
    """How many people hold the coordinator role."""
    count = await session.scalar(
        select(func.count()).select_from(UserRole).where(UserRole.role == Role.COORDINATOR.value)
    )
    return int(count or 0)


async def _is_last_coordinator(session: AsyncSession, user: User) -> bool:
    """Whether the user is the only coordinator left."""
    return user.has_role(Role.COORDINATOR) and await coordinator_count(session) <= 1


async def preview(session: AsyncSession, user: User) -> ErasurePreview:
    """Count what an erasure of ``user`` would change."""
    own = await session.scalars(select(KickoffRequest).where(KickoffRequest.contact_user_id == user.id))
    statuses = [r.status for r in own]
    advisor = await advisors.by_user(session, user.id)
    held = pending = 0
    if advisor is not None:
        held = sum(1 for _o, r in await advisors.assignments(session, advisor.id) if r.status in HELD_OPEN)
        pending = len(await advisors.pending_offers(session, advisor.id))
    source = next((r.source for r in user.role_rows if r.role == Role.COORDINATOR.value), None)
    return ErasurePreview(
        roles=user.roles,
        requests=len(statuses),
        open_requests=sum(1 for s in statuses if s in requests.WITHDRAWABLE),
        held_requests=held,
        pending_offers=pending,
        last_coordinator=await _is_last_coordinator(session, user),
        configured_coordinator=source == RoleSource.CONFIG.value,
    )


async def _needles(session: AsyncSession, user: User, advisor: Advisor | None) -> frozenset[str]:
    """Everything that identifies the person or that they typed, to find it in other rows."""
    values: list[object] = [user.first_name, user.username]
    for request in await session.scalars(
        select(KickoffRequest).where(KickoffRequest.contact_user_id == user.id)
    ):
        values += personal_strings(request)
    values += list(await session.scalars(select(Question.text).where(Question.user_id == user.id)))
    draft = await session.scalar(select(IntakeDraft).where(IntakeDraft.user_id == user.id))
    if draft is not None:
        values += [v for v in (draft.answers or {}).values() if isinstance(v, str)]
    if advisor is not None:
        values.append(advisor.display_name)
        notes = await session.scalars(
            select(Booking.outcome_note).where(
                Booking.advisor_id == advisor.id, Booking.outcome_note.is_not(None)
            )
        )
        values += list(notes)
    return scrub.needles(values)


async def _end_requests(
    session: AsyncSession, user: User, actor_user_id: int | None, now: datetime
) -> tuple[list[WithdrawnRequest], list[WithdrawnRequest], int]:
    """Withdraw the open requests, note the running ones, then anonymise them all."""
    withdrawn, running = [], []
    own = list(
        await session.scalars(
            select(KickoffRequest.id)
            .where(KickoffRequest.contact_user_id == user.id)
            .order_by(KickoffRequest.id)
        )
    )
    for request_id in own:
        request = await funnel.lock_request(session, request_id)
        if request is None:
            continue
        holder = await offers.holder(session, request_id)
        if request.status in requests.WITHDRAWABLE:
            if await requests.withdraw(session, request_id, user.id, now) is not None:
                taken = await assignment.after_withdrawal(session, request_id, actor_user_id, now)
                withdrawn.append(WithdrawnRequest(request, holder, taken))
        elif request.status in RUNNING:
            running.append(WithdrawnRequest(request, holder, None))
        await anonymize_request(session, request_id, now)
    return withdrawn, running, len(own)


async def erase(
    session: AsyncSession,
    user_id: int,
    actor_user_id: int | None,
    now: datetime,
    timing: OfferTiming = DEFAULT_OFFER_TIMING,
) -> ErasureResult:
    """Erase the person ``user_id`` (``actor_user_id``: who asked, for the request events)."""
    user = await session.scalar(
        select(User).where(User.id == user_id).with_for_update().execution_options(populate_existing=True)
    )
    if user is None:
        return ErasureResult(ErasureOutcome.GONE)
    if await _is_last_coordinator(session, user):
        return ErasureResult(ErasureOutcome.LAST_COORDINATOR)
    telegram_id, locale, since = user.telegram_id, user.locale, user.created_at
    advisor = await advisors.by_user(session, user.id)
    wanted = await _needles(session, user, advisor)
    actor = actor_user_id if actor_user_id != user.id else None
    withdrawn, running, count = await _end_requests(session, user, actor, now)
    released = await release(session, advisor, actor, now, timing) if advisor is not None else None
    asked = await questions.forget_user(session, user.id)
    await knowledge_curation.unlink_blank_questions(session)
    for model in (IntakeDraft, ChatInput, NewsConsent, BroadcastRecipient):
        await session.execute(delete(model).where(model.user_id == user.id))  # type: ignore[attr-defined]
    scrubbed = await scrub.scrub(session, telegram_id, wanted, since)
    await session.delete(user)
    await session.flush()
    return ErasureResult(
        ErasureOutcome.DONE,
        telegram_id,
        locale,
        tuple(withdrawn),
        tuple(running),
        released,
        count,
        asked,
        scrubbed,
    )


async def is_blank(session: AsyncSession, user: User) -> bool:
    """Whether nothing but the user row itself is stored about ``user`` (e.g. a stale button pressed
    after the erasure, which made the user anew)."""
    if user.role_rows:
        return False
    for model, column in (
        (KickoffRequest, KickoffRequest.contact_user_id),
        (Question, Question.user_id),
        (IntakeDraft, IntakeDraft.user_id),
        (NewsConsent, NewsConsent.user_id),
        (ChatInput, ChatInput.user_id),
        (Advisor, Advisor.user_id),
    ):
        if await session.scalar(select(func.count()).select_from(model).where(column == user.id)):
            return False
    return True


async def forget_blank(session: AsyncSession, user: User) -> None:
    """Delete a user about whom nothing else is stored, with their chat's traces in the runtime tables."""
    telegram_id, since = user.telegram_id, user.created_at
    await scrub.scrub(session, telegram_id, scrub.needles([user.first_name, user.username]), since)
    await session.delete(user)
    await session.flush()
