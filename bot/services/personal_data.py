"""Everything stored about a person, as a JSON-able dict (``/meinedaten``).

Included: the profile and roles; news consent; the unfinished intake draft; every request with its
consent, its fields, its status history (times and statuses, no names of who moved it), its advisor's
name and its kickoff date as the contact sees them; every question with its answer. An advisor also
gets their profile, their offers and kickoff talks with their own decisions, but nothing of the
contacts (a reference and a place only). A coordinator gets their role and how many actions of
theirs are recorded. Not included: coordinators' internal notes, the matching rankings (they are
about the advisors) and the runtime tables (messages waiting to be handled or sent, kept only for
days, see ``/datenschutz``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import advisors, offers
from models import (
    Advisor,
    AdvisorInvitation,
    Booking,
    CoordinatorAction,
    IntakeDraft,
    KickoffRequest,
    NewsConsent,
    Offer,
    Question,
    RequestEvent,
    Role,
    User,
)

FORMAT_VERSION = 1


def _at(moment: datetime | None) -> str | None:
    """A timestamp as ISO 8601 in UTC (None stays None)."""
    return moment.isoformat() if moment is not None else None


def profile(user: User) -> dict[str, Any]:
    """What Telegram told the bot and what the person chose, with their roles."""
    return {
        "telegram_id": user.telegram_id,
        "first_name": user.first_name,
        "username": user.username,
        "language": user.locale,
        "first_contact": _at(user.created_at),
        "last_contact": _at(user.last_seen_at),
        "blocked_the_bot_since": _at(user.unreachable_since),
        "roles": [
            {"role": row.role, "source": row.source, "granted_at": _at(row.granted_at)}
            for row in sorted(user.role_rows, key=lambda r: r.role)
        ],
    }


async def _news(session: AsyncSession, user: User) -> dict[str, Any]:
    """The user's news consent for the data export."""
    consent = await session.get(NewsConsent, user.id)
    if consent is None:
        return {"agreed": False}
    return {"agreed": True, "notice_version": consent.notice_version, "agreed_at": _at(consent.consented_at)}


async def _draft(session: AsyncSession, user: User) -> dict[str, Any] | None:
    """The user's unfinished intake for the data export."""
    draft = await session.scalar(select(IntakeDraft).where(IntakeDraft.user_id == user.id))
    if draft is None:
        return None
    return {
        "step": draft.step,
        "answers": draft.answers,
        "consent": {"version": draft.consent_version, "given_at": _at(draft.consented_at)},
        "started_at": _at(draft.created_at),
        "changed_at": _at(draft.updated_at),
        "deleted_unless_continued_by": _at(draft.expires_at),
    }


async def _request(session: AsyncSession, request: KickoffRequest) -> dict[str, Any]:
    """One of the user's requests with its history for the data export."""
    events = await session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == request.id).order_by(RequestEvent.id)
    )
    holder = await offers.holder(session, request.id)
    talk = await session.scalar(select(Booking).where(Booking.request_id == request.id))
    return {
        "reference": request.reference,
        "status": request.status,
        "place": {"kind": request.place_kind, "ags": request.place_ags, "name": request.place_name},
        "contact_name": request.contact_name,
        "contact_role": request.contact_role,
        "email": request.email,
        "phone": request.phone,
        "topics": request.topics,
        "topic_other": request.topic_other,
        "languages": request.languages,
        "goals": request.goals,
        "time_windows": request.time_windows,
        "flexible": request.flexible,
        "meeting_format": request.meeting_format,
        "language": request.locale,
        "consent": {"version": request.consent_version, "given_at": _at(request.consented_at)},
        "sent_at": _at(request.created_at),
        "changed_at": _at(request.updated_at),
        "anonymized_at": _at(request.anonymized_at),
        "history": [{"at": _at(e.created_at), "from": e.from_status, "to": e.to_status} for e in events],
        "advisor": holder.display_name if holder is not None else None,
        "kickoff": _talk(talk, with_outcome=False) if talk is not None else None,
    }


def _talk(talk: Booking, *, with_outcome: bool) -> dict[str, Any]:
    """One kickoff talk for the data export (with its outcome when the user may see it)."""
    data: dict[str, Any] = {
        "status": talk.status,
        "starts_at": _at(talk.starts_at),
        "duration_minutes": talk.duration_minutes,
        "location": talk.location,
        "confirmed_at": _at(talk.confirmed_at),
    }
    if with_outcome:
        data |= {
            "held": talk.held,
            "consultation_agreed": talk.consultation_agreed,
            "outcome_note": talk.outcome_note,
            "outcome_recorded_at": _at(talk.outcome_recorded_at),
        }
    return data


def _question(question: Question) -> dict[str, Any]:
    """One question the user asked, for the data export."""
    return {
        "asked_at": _at(question.created_at),
        "text": question.text,
        "language": question.locale,
        "status": question.status,
        "feedback": question.feedback,
        "passed_to_the_team_at": _at(question.handed_over_at),
        "answer": question.answer_text,
        "answered_at": _at(question.answered_at),
    }


async def _advisor(session: AsyncSession, advisor: Advisor) -> dict[str, Any]:
    """The advisor's profile and their own decisions; contacts appear only as reference and place."""
    rows = await session.execute(
        select(Offer, KickoffRequest.reference, KickoffRequest.place_name)
        .join(KickoffRequest, KickoffRequest.id == Offer.request_id)
        .where(Offer.advisor_id == advisor.id)
        .order_by(Offer.id)
    )
    talks = await session.execute(
        select(Booking, KickoffRequest.reference)
        .join(KickoffRequest, KickoffRequest.id == Booking.request_id)
        .where(Booking.advisor_id == advisor.id)
        .order_by(Booking.id)
    )
    invitation = await session.scalar(
        select(AdvisorInvitation.redeemed_at).where(AdvisorInvitation.redeemed_by_user_id == advisor.user_id)
    )
    return {
        "display_name": advisor.display_name,
        "languages": advisor.languages,
        "kreise": advisor.kreise,
        "regierungsbezirke": advisor.regierungsbezirke,
        "home_ags": advisor.home_ags,
        "topics": advisor.topics,
        "capacity": advisor.capacity,
        "paused_until": _at(advisor.paused_until),
        "active": advisor.active,
        "since": _at(advisor.created_at),
        "invitation_redeemed_at": _at(invitation),
        "offers": [
            {
                "reference": reference,
                "place": place,
                "status": offer.status,
                "offered_at": _at(offer.created_at),
                "answer_by": _at(offer.respond_by),
                "decided_at": _at(offer.decided_at),
                "decline_reason": offer.decline_reason,
            }
            for offer, reference, place in rows.tuples().all()
        ],
        "kickoff_talks": [
            {"reference": reference, **_talk(talk, with_outcome=True)}
            for talk, reference in talks.tuples().all()
        ],
    }


async def collect(session: AsyncSession, user: User, now: datetime) -> dict[str, Any]:
    """Everything stored about ``user``, as plain JSON values."""
    own = await session.scalars(
        select(KickoffRequest).where(KickoffRequest.contact_user_id == user.id).order_by(KickoffRequest.id)
    )
    asked = await session.scalars(select(Question).where(Question.user_id == user.id).order_by(Question.id))
    data: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "created_at": _at(now),
        "profile": profile(user),
        "programme_news": await _news(session, user),
        "unfinished_request": await _draft(session, user),
        "requests": [await _request(session, r) for r in own],
        "questions": [_question(q) for q in asked],
    }
    advisor = await advisors.by_user(session, user.id)
    if advisor is not None:
        data["advisor"] = await _advisor(session, advisor)
    if user.has_role(Role.COORDINATOR):
        count = await session.scalar(
            select(func.count())
            .select_from(CoordinatorAction)
            .where(CoordinatorAction.actor_user_id == user.id)
        )
        data["coordinator"] = {"recorded_actions": int(count or 0)}
    return data


async def find_person(session: AsyncSession, key: str) -> User | None:
    """The person behind a Telegram id or a request reference (``MG-2026-0001``) a coordinator typed."""
    text = key.strip().upper()
    if re.fullmatch(r"\d{1,15}", text):
        return await session.scalar(select(User).where(User.telegram_id == int(text)))
    if re.fullmatch(r"MG-\d{4}-\d{1,8}", text):
        owner = await session.scalar(
            select(KickoffRequest.contact_user_id).where(KickoffRequest.reference == text)
        )
        return await session.get(User, owner) if owner is not None else None
    return None
