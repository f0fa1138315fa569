"""A small world for access tests: a coordinator, a contact with distinctive personal data, an active
advisor holding one request with another offered, a deactivated advisor who held one, and a question
handed over; plus what to look for so that none of it leaks."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.services import advisors
from models import KickoffRequest, Offer, OfferStatus, OutboxMessage, Question, User, utcnow
from tests.hand_offer_helpers import assign_and_accept
from tests.harness import Harness, TelegramUser
from tests.matching_chat_helpers import COORDINATOR, MOESSINGEN, onboard
from tests.matching_e2e_helpers import seed_request

# The contact's Telegram name is plain; the request's details are what must never reach a group.
CONTACT = TelegramUser(610, "Kommune", "de")
MEHMET = TelegramUser(620, "Mehmet", "en")
DANA = TelegramUser(630, "Dana", "de")
GROUP = -100555
NAME, EMAIL, PHONE = "Zyprianna Quellwasser", "zyprianna.quellwasser@example.org", "+4970719988776"
# How the details may appear: the name in parts, the e-mail, the phone as stored or as displayed.
MARKERS = ("Zyprianna", "Quellwasser", "zyprianna.quellwasser", "9988776", "998 8776")
QUESTION = "Ich bin Zyprianna Quellwasser aus Tübingen: zahlen Sie Reisekosten?"
# Settings that keep a test's many quick updates from meeting the flood guard and the daily limit.
CALM = {"flood_burst": 100_000, "max_requests_per_day": 1_000}


@dataclass(frozen=True)
class World:
    """Ids of what was seeded."""

    coordinator_user: int
    contact_user: int
    mehmet: int  # advisor ids
    dana: int
    held: int  # request ids: held by Mehmet, offered to him, held by Dana before she was deactivated
    offered: int
    dana_held: int
    offer: int  # Mehmet's pending offer
    question: int

    def ids(self) -> dict[str, int]:
        """The ids by name, for filling callback data templates."""
        return dict(self.__dict__)


async def user_id(h: Harness, person: TelegramUser) -> int:
    """The stored users.id of a Telegram user."""
    async with h.runtime.db.transaction() as session:
        found = await session.scalar(select(User.id).where(User.telegram_id == person.id))
        assert found is not None
        return found


async def seed_world(h: Harness) -> World:
    """Seed the world through the chat where it matters (private chats started) and the services."""
    await h.text(COORDINATOR, "/start")
    await h.text(CONTACT, "/start")
    mehmet = await onboard(h, MEHMET, display_name="Mehmet", languages=["tr"], home_ags=MOESSINGEN)
    dana = await onboard(h, DANA, display_name="Dana", languages=["ti"], home_ags=MOESSINGEN)
    contact, coordinator = await user_id(h, CONTACT), await user_id(h, COORDINATOR)
    details = {"contact_name": NAME, "email": EMAIL, "phone": PHONE, "goals": f"Kontakt: {NAME}"}
    held, offered, dana_held = [await seed_request(h.runtime.db, contact, **details) for _ in range(3)]
    now = utcnow()
    async with h.runtime.db.transaction() as session:
        for request_id, advisor_id in ((held, mehmet), (dana_held, dana)):
            result = await assign_and_accept(session, request_id, advisor_id, coordinator, now, audited=True)
            assert result.advisor is not None, result
        await advisors.set_active(session, dana, False, now)
        request = await session.get(KickoffRequest, offered)
        assert request is not None
        request.status = "offered"
        offer = Offer(
            request_id=offered,
            advisor_id=mehmet,
            status=OfferStatus.PENDING,
            respond_by=now + timedelta(days=2),
            ranking=[],
            created_at=now,
        )
        session.add(offer)
        await session.flush()
        offer_id = offer.id
    await h.text(CONTACT, QUESTION)
    async with h.runtime.db.transaction() as session:
        question = await session.scalar(select(Question.id).where(Question.user_id == contact))
        assert question is not None
    await h.press(CONTACT, f"faq:h:{question}")
    return World(coordinator, contact, mehmet, dana, held, offered, dana_held, offer_id, question)


def _texts(payload: Any) -> list[str]:
    """Every string in a payload, with attached files decoded."""
    found: list[str] = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "content_b64" and isinstance(value, str):
                found.append(base64.b64decode(value).decode("utf-8", "replace"))
            else:
                found += _texts(value)
    elif isinstance(payload, list):
        for value in payload:
            found += _texts(value)
    elif isinstance(payload, str):
        found.append(payload)
    return found


def leaks(payload: Any) -> list[str]:
    """The personal details of the seeded contact that ``payload`` contains."""
    text = "\n".join(_texts(payload)) + json.dumps(payload, ensure_ascii=False)
    return [marker for marker in MARKERS if marker.lower() in text.lower()]


async def sent_to(h: Harness, chat_id: int) -> list[OutboxMessage]:
    """Every outbox row addressed to ``chat_id`` so far."""
    async with h.runtime.db.transaction() as session:
        rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == chat_id))
        return list(rows)
