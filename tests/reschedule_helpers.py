"""A confirmed kickoff date through the bot (offline harness), for the rescheduling and calendar tests."""

from __future__ import annotations

import base64
from typing import Any

from icalendar import Calendar
from sqlalchemy import update

from models import KickoffRequest
from tests.harness import Harness, Sent, TelegramUser
from tests.matching_chat_helpers import MOESSINGEN, button, onboard, one_to, submit_request, to


async def confirmed_talk(
    h: Harness, contact: TelegramUser, advisor: TelegramUser, meeting_format: str | None = None
) -> tuple[KickoffRequest, list[Sent]]:
    """The advisor accepts the contact's request and proposes the first date; the contact confirms.
    Returns the request and what the confirmation sent."""
    await onboard(
        h, advisor, display_name=f"{advisor.first_name} Yılmaz", languages=["tr", "ti"], home_ags=MOESSINGEN
    )
    request, sent = await submit_request(h, contact)
    if meeting_format is not None:
        async with h.runtime.db.transaction() as session:
            query = update(KickoffRequest).where(KickoffRequest.id == request.id)
            await session.execute(query.values(meeting_format=meeting_format))
    accepted = await h.press(advisor, button(one_to(sent, advisor), "of:a:"))
    options = await h.press(advisor, button(one_to(accepted, advisor), "bk:p:"))
    proposed = await h.press(advisor, button(options[0], "bk:s:"))
    return request, await h.press(contact, button(one_to(proposed, contact), "bk:y:"))


def with_button(sent: list[Sent], person: TelegramUser, prefix: str) -> Sent:
    """The message to ``person`` that has a button starting with ``prefix``."""
    [found] = [s for s in to(sent, person) if any(d.startswith(prefix) for _t, d in s.buttons)]
    return found


def calendars(sent: list[Sent], person: TelegramUser) -> list[Any]:
    """The calendar files ``person`` was sent, parsed."""
    files = [s for s in sent if s.method == "sendDocument" and s.chat_id == person.id]
    return [Calendar.from_ical(base64.b64decode(f.payload["document"]["content_b64"])) for f in files]
