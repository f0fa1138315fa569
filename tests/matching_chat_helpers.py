"""Matching and booking in the chat (offline harness): advisors onboarded through invitation links,
requests sent through the intake, sweeps run at a chosen "now", the queued messages read back."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.config import Settings
from bot.db import Database
from bot.services import advisors, users
from bot.services.advisors import ProfileFields
from models import Advisor, Booking, KickoffRequest, Offer, OutboxMessage, utcnow
from tests.harness import Harness, Sent, TelegramUser
from tests.intake_helpers import IntakeStep, requests_of, tap, walk_to
from tests.matching_helpers import ALL_BEZIRKE

COORDINATOR = TelegramUser(900, "Cora", "en")  # COORDINATOR_IDS of the harness fixture
MOESSINGEN, REUTLINGEN, ULM = "08416025", "08415061", "08421000"
Sweep = Callable[[Database, Settings, datetime], Awaitable[str]]


async def onboard(h: Harness, person: TelegramUser, **profile: Any) -> int:
    """A coordinator invites ``person``, who opens the link; then their profile is set. The advisor id.

    A profile given without an area serves all of Baden-Württemberg (matching offers nothing to an
    advisor without languages and area); without any profile the advisor has neither yet.
    """
    if profile and not profile.get("kreise") and "regierungsbezirke" not in profile:
        profile["regierungsbezirke"] = list(ALL_BEZIRKE)
    [invitation] = await h.text(COORDINATOR, "/invite")
    found = re.search(r"start=inv_([A-Za-z0-9_-]+)", invitation.text)
    assert found, invitation.text
    welcome = await h.text(person, f"/start inv_{found.group(1)}")
    assert any("advisor" in s.text or "Berater" in s.text for s in welcome), welcome
    async with h.runtime.db.transaction() as session:
        user = await users.get_by_telegram_id(session, person.id)
        assert user is not None
        advisor = await advisors.by_user(session, user.id)
        assert advisor is not None
        await advisors.update_profile(session, advisor.id, ProfileFields(**profile), utcnow())
        return advisor.id


async def submit_request(h: Harness, contact: TelegramUser) -> tuple[KickoffRequest, list[Sent]]:
    """The contact sends a request through the whole intake; returns it and what sending it queued."""
    summary = await walk_to(h, contact, IntakeStep.SUMMARY)
    sent = await tap(h, contact, summary, "📨")
    [*_, request] = await requests_of(h, contact.id)
    return request, sent


def to(sent: list[Sent], person: TelegramUser) -> list[Sent]:
    """The messages (new or edited) of ``sent`` that go to ``person``'s chat."""
    return [s for s in sent if s.chat_id == person.id and s.method in ("sendMessage", "editMessageText")]


def one_to(sent: list[Sent], person: TelegramUser) -> Sent:
    """The single message of ``sent`` to ``person``."""
    messages = to(sent, person)
    assert len(messages) == 1, [s.text for s in sent]
    return messages[0]


def new_to(sent: list[Sent], person: TelegramUser) -> Sent:
    """The single new message (not an edit) of ``sent`` to ``person``."""
    messages = [s for s in to(sent, person) if s.method == "sendMessage"]
    assert len(messages) == 1, [s.text for s in sent]
    return messages[0]


def button(message: Sent, prefix: str) -> str:
    """The callback data of the button whose data starts with ``prefix``."""
    found = [data for _label, data in message.buttons if data.startswith(prefix)]
    assert found, message.buttons
    return found[0]


async def last_outbox_id(h: Harness) -> int:
    """The newest outbox row so far."""
    async with h.runtime.db.transaction() as session:
        return int(await session.scalar(select(func.max(OutboxMessage.id))) or 0)


async def sweep(h: Harness, run: Sweep, now: datetime) -> list[Sent]:
    """Run a deadline sweep at ``now``; return the calls it queued."""
    before = await last_outbox_id(h)
    await run(h.runtime.db, h.runtime.settings, now)
    async with h.runtime.db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.id > before).order_by(OutboxMessage.id)
        )
        return [Sent(r.method, r.chat_id, r.payload) for r in rows]


async def offers_of(h: Harness, request_id: int) -> list[tuple[str, str]]:
    """(advisor name, offer status) of a request's offers, oldest first."""
    async with h.runtime.db.transaction() as session:
        rows = await session.execute(
            select(Advisor.display_name, Offer.status)
            .join(Advisor, Advisor.id == Offer.advisor_id)
            .where(Offer.request_id == request_id)
            .order_by(Offer.id)
        )
        return [(name, status) for name, status in rows.all()]


async def booking_of(h: Harness, request_id: int) -> Booking:
    """The request's booking, freshly read."""
    async with h.runtime.db.transaction() as session:
        found = await session.scalar(select(Booking).where(Booking.request_id == request_id))
        assert found is not None
        return found


async def request_status(h: Harness, request_id: int) -> str:
    """The request's status, freshly read."""
    async with h.runtime.db.transaction() as session:
        status = await session.scalar(select(KickoffRequest.status).where(KickoffRequest.id == request_id))
        assert status is not None
        return status
