"""Reassigning a held request through the bot (offline harness): offered anew without its advisor,
given to a chosen advisor, a confirmed date taken over or cancelled with a calendar cancellation,
/zuweisen on a held request, deactivation listing the open requests with these actions; the detail
view refreshed in place, one status vocabulary, and one history line per event with profile names."""

from __future__ import annotations

import base64

from icalendar import Calendar

from handlers.callback_data import ADVISORS, REQUESTS, data
from models import KickoffRequest
from tests.harness import Harness, Sent, TelegramUser
from tests.matching_chat_helpers import (
    COORDINATOR,
    MOESSINGEN,
    REUTLINGEN,
    booking_of,
    button,
    new_to,
    offers_of,
    onboard,
    request_status,
    submit_request,
    to,
)

CONTACT = TelegramUser(700, "Ana", "de")
MEHMET = TelegramUser(701, "Mehmet", "en")
LEYLA = TelegramUser(702, "Leyla", "de")


async def _held_by_mehmet(h: Harness) -> KickoffRequest:
    """Mehmet (Telegram name "Mehmet", profile "Mehmet Demir") accepts; Leyla is the second choice."""
    await onboard(h, MEHMET, display_name="Mehmet Demir", languages=["tr", "ti"], home_ags=MOESSINGEN)
    await onboard(h, LEYLA, display_name="Leyla Aydın", languages=["tr"], home_ags=REUTLINGEN)
    request, sent = await submit_request(h, CONTACT)
    await h.press(MEHMET, button(new_to(sent, MEHMET), "of:a:"))
    assert await request_status(h, request.id) == "accepted"
    return request


async def _confirmed_date(h: Harness, request: KickoffRequest) -> None:
    """Mehmet proposes the first date offered, the contact confirms it."""
    [held] = await h.press(COORDINATOR, data(REQUESTS, "d", request.id))  # warm the detail once
    assert "Mehmet Demir" in held.text
    [mine] = [s for s in await h.text(MEHMET, "/assignments") if "bk:p:" in str(s.buttons)] or [None]
    propose = button(mine, "bk:p:") if mine else data("bk", "p", request.id)
    options = await h.press(MEHMET, propose)
    proposed = await h.press(MEHMET, button(options[0], "bk:s:"))
    await h.press(CONTACT, button(new_to(proposed, CONTACT), "bk:y:"))
    assert await request_status(h, request.id) == "scheduled"


def _calendar_method(sent: list[Sent], person: TelegramUser) -> list[str]:
    files = [s for s in sent if s.method == "sendDocument" and s.chat_id == person.id]
    return [
        str(Calendar.from_ical(base64.b64decode(f.payload["document"]["content_b64"]))["method"])
        for f in files
    ]


async def test_offer_anew_continues_without_the_advisor_and_tells_both(harness: Harness) -> None:
    h = harness
    request = await _held_by_mehmet(h)
    [detail] = await h.press(COORDINATOR, data(REQUESTS, "d", request.id))
    [menu] = await h.press(COORDINATOR, button(detail, "ra:m:"))
    assert menu.method == "editMessageText" and "Reassign" in menu.text and "Mehmet Demir" in menu.text
    sent = await h.press(COORDINATOR, button(menu, "ra:o:"))
    # The cascade goes on without Mehmet: Leyla gets the offer.
    assert await offers_of(h, request.id) == [("Mehmet Demir", "withdrawn"), ("Leyla Aydın", "pending")]
    assert "passed the request" in new_to(sent, MEHMET).text  # English, his language
    told = new_to(sent, CONTACT).text
    assert "kann Sie" in told and "Mehmet Demir" in told  # German, hers
    assert request.reference in new_to(sent, LEYLA).text
    # The detail view is refreshed in place and says what was done.
    [refreshed] = to(sent, COORDINATOR)
    assert refreshed.method == "editMessageText"
    assert "Taken from Mehmet Demir and offered to Leyla Aydın" in refreshed.text
    assert "Offered to:</b> Leyla Aydın" in refreshed.text
    assert "took the request from Mehmet Demir and offered it to Leyla Aydın" in refreshed.text
    assert "✅ Mehmet Demir accepted" in refreshed.text  # his acceptance stays in the history
    # Pressing the old button again changes nothing.
    await h.press(COORDINATOR, button(menu, "ra:o:"))
    assert await offers_of(h, request.id) == [("Mehmet Demir", "withdrawn"), ("Leyla Aydın", "pending")]


async def test_give_to_a_chosen_advisor_from_the_ranking(harness: Harness) -> None:
    h = harness
    request = await _held_by_mehmet(h)
    [menu] = await h.press(COORDINATOR, data("ra", "m", request.id))
    [ranking] = await h.press(COORDINATOR, button(menu, "ra:c:"))
    choices = [label for label, d in ranking.buttons if d.startswith("ra:t:")]
    assert choices and all("Mehmet" not in label for label in choices)  # never the current advisor
    sent = await h.press(COORDINATOR, button(ranking, "ra:t:"))
    offers = await offers_of(h, request.id)
    assert offers[0] == ("Mehmet Demir", "withdrawn") and offers[-1][0] == "Leyla Aydın"
    assert "passed the request" in new_to(sent, MEHMET).text
    assert request.reference in new_to(sent, LEYLA).text
    [refreshed] = to(sent, COORDINATOR)
    assert refreshed.method == "editMessageText" and "Taken from Mehmet Demir" in refreshed.text


async def test_new_advisor_takes_over_the_confirmed_date(harness: Harness) -> None:
    h = harness
    request = await _held_by_mehmet(h)
    await _confirmed_date(h, request)
    talk = await booking_of(h, request.id)
    sent = await h.press(COORDINATOR, data("ra", "t", request.id, await _advisor_id(h, "Leyla Aydın")))
    # Mehmet's calendar loses the talk; the contact keeps it for now.
    assert _calendar_method(sent, MEHMET) == ["CANCEL"]
    assert "no longer yours" in new_to(sent, MEHMET).text
    assert "bleibt vorerst" in new_to(sent, CONTACT).text and _calendar_method(sent, CONTACT) == []
    offer = new_to(sent, LEYLA)
    accepted = await h.press(LEYLA, button(offer, "of:a:"))
    kept = await booking_of(h, request.id)
    assert kept.status == "confirmed" and kept.advisor_id == talk.advisor_id  # waiting for Leyla
    # Accepting, she is asked whether she takes over the date (in German, her language).
    [question] = [s for s in to(accepted, LEYLA) if "rt:k:" in str(s.buttons)]
    assert "Übernehmen Sie diesen Termin?" in question.text
    take = button(question, "rt:k:")
    sent = await h.press(LEYLA, take)
    taken = await booking_of(h, request.id)
    assert taken.status == "confirmed" and taken.advisor_id != talk.advisor_id
    assert taken.starts_at == talk.starts_at and taken.remind_at is not None
    assert await request_status(h, request.id) == "scheduled"
    assert "Leyla Aydın" in new_to(sent, CONTACT).text
    assert _calendar_method(sent, CONTACT) == ["PUBLISH"] and _calendar_method(sent, LEYLA) == ["PUBLISH"]
    again = await h.press(LEYLA, take)  # a second tap changes nothing
    assert to(again, CONTACT) == [] and (await booking_of(h, request.id)).sequence == taken.sequence


async def test_new_advisor_proposes_another_date_and_the_old_one_is_cancelled(harness: Harness) -> None:
    h = harness
    request = await _held_by_mehmet(h)
    await _confirmed_date(h, request)
    sent = await h.press(COORDINATOR, data("ra", "t", request.id, await _advisor_id(h, "Leyla Aydın")))
    accepted = await h.press(LEYLA, button(new_to(sent, LEYLA), "of:a:"))
    [question] = [s for s in to(accepted, LEYLA) if "rt:n:" in str(s.buttons)]
    sent = await h.press(LEYLA, button(question, "rt:n:"))
    assert (await booking_of(h, request.id)).status == "cancelled"
    assert "abgesagt" in new_to(sent, CONTACT).text or "cancelled" in new_to(sent, CONTACT).text
    assert _calendar_method(sent, CONTACT) == ["CANCEL"]
    [answer] = to(sent, LEYLA)
    assert "bk:p:" in str(answer.buttons)  # she proposes a new date from here


async def test_assign_command_on_a_held_request_offers_the_reassign_actions(harness: Harness) -> None:
    h = harness
    request = await _held_by_mehmet(h)
    [reply] = await h.text(COORDINATOR, f"/assign {request.reference}")
    assert "already has an advisor" not in reply.text and "is with Mehmet Demir" in reply.text
    assert button(reply, "ra:o:") and button(reply, "ra:t:")


async def test_deactivating_lists_open_requests_with_reassign_actions(harness: Harness) -> None:
    h = harness
    request = await _held_by_mehmet(h)
    advisor_id = await _advisor_id(h, "Mehmet Demir")
    [question] = await h.press(COORDINATOR, data(ADVISORS, "d", advisor_id, 0, "all"))
    assert "look after those" not in question.text and "reassign them" in question.text
    [done] = to(await h.press(COORDINATOR, button(question, "ad:y:")), COORDINATOR)
    assert "please look after them" not in done.text and request.reference in done.text
    assert button(done, "ra:m:") == data("ra", "m", request.id)
    sent = await h.press(COORDINATOR, data("ra", "m", request.id))
    assert "Reassign" in sent[0].text


async def test_one_status_vocabulary_for_coordinator_advisor_and_contact(harness: Harness) -> None:
    h = harness
    request = await _held_by_mehmet(h)
    [detail] = await h.press(COORDINATOR, data(REQUESTS, "d", request.id))
    assert "<b>Status:</b> advisor found" in detail.text
    mine = await h.text(MEHMET, "/assignments")
    assert any("advisor found" in s.text for s in mine)
    [status] = await h.text(CONTACT, "/meineanfragen")
    assert "Berater*in gefunden" in status.text


async def test_history_one_line_per_event_with_profile_names(harness: Harness) -> None:
    h = harness
    request = await _held_by_mehmet(h)
    [detail] = await h.press(COORDINATOR, data(REQUESTS, "d", request.id))
    history = detail.text.split("History:")[1]
    assert "✅ Mehmet Demir accepted" in history
    assert "(Mehmet)" not in history and "→ advisor found" not in history  # no second, Telegram-named line
    assert "→ received (Ana Müller)" in history
    assert history.count("Mehmet Demir") == 2  # offered, accepted
    await h.text(LEYLA, "/start")
    from bot.services import users
    from bot.services.users import grant_role
    from models import Role

    async with h.runtime.db.transaction() as session:
        user = await users.get_by_telegram_id(session, LEYLA.id)
        assert user is not None
        grant_role(user, Role.COORDINATOR)
    [german] = await h.press(LEYLA, data(REQUESTS, "d", request.id))
    verlauf = german.text.split("Verlauf:")[1]
    assert "Mehmet Demir" in verlauf and "(Mehmet)" not in verlauf
    assert verlauf.count("\n") == history.count("\n")


async def _advisor_id(h: Harness, name: str) -> int:
    from sqlalchemy import select

    from models import Advisor

    async with h.runtime.db.transaction() as session:
        found = await session.scalar(select(Advisor.id).where(Advisor.display_name == name))
        assert found is not None
        return found


async def test_pausing_lists_open_requests_with_reassign_actions(harness: Harness) -> None:
    h = harness
    request = await _held_by_mehmet(h)
    advisor_id = await _advisor_id(h, "Mehmet Demir")
    [choices] = await h.press(COORDINATOR, data(ADVISORS, "p", advisor_id, 0, "all"))
    [done] = to(await h.press(COORDINATOR, button(choices, f"ad:u:{advisor_id}:")), COORDINATOR)
    assert f"They hold open requests: {request.reference}" in done.text
    assert button(done, "ra:m:") == data("ra", "m", request.id)
