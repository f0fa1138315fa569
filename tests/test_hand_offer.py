"""Hand assignments are offers, advisors can give a request back, and offers that end lose their
buttons: driven through the chat offline (harness), sweeps run at a chosen "now"."""

from __future__ import annotations

import base64
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from handlers import deadlines
from handlers.callback_data import REQUESTS, data
from models import Advisor, Offer, OutboxMessage, OutboxStatus
from tests.hand_offer_helpers import deliver_outbox, edits_of, offer_message_id
from tests.harness import Harness, Sent, TelegramUser
from tests.matching_chat_helpers import (
    COORDINATOR,
    MOESSINGEN,
    REUTLINGEN,
    ULM,
    button,
    new_to,
    offers_of,
    onboard,
    one_to,
    request_status,
    submit_request,
    sweep,
    to,
)

CONTACT = TelegramUser(700, "Ana", "de")
MEHMET = TelegramUser(701, "Mehmet", "en")
LEYLA = TelegramUser(702, "Leyla", "en")
OMID = TelegramUser(703, "Omid", "en")


async def _advisors(h: Harness) -> None:
    # Mehmet fits best, Leyla second; Omid is far away and speaks no fitting language.
    await onboard(h, MEHMET, display_name="Mehmet", languages=["tr", "ti"], home_ags=MOESSINGEN)
    await onboard(h, LEYLA, display_name="Leyla", languages=["tr"], home_ags=REUTLINGEN)
    await onboard(h, OMID, display_name="Omid", languages=["fa"], home_ags=ULM)
    await h.text(COORDINATOR, "/start")


async def _hand_offer(h: Harness, request_id: int, reference: str, name: str) -> list[Sent]:
    """The coordinator opens /assign for the request and presses "assign" on ``name``."""
    [ranking] = await h.text(COORDINATOR, f"/assign {reference}")
    assign = next(d for label, d in ranking.buttons if name in label and d.startswith("ca:a:"))
    return await h.press(COORDINATOR, assign)


def _offer_id(message: Sent) -> int:
    return int(button(message, "of:a:").rsplit(":", 1)[1])


async def test_a_hand_assignment_is_an_offer_and_the_contact_hears_the_name_on_acceptance(
    harness: Harness,
) -> None:
    h = harness
    await _advisors(h)
    request, sent = await submit_request(h, CONTACT)
    assert request.reference in one_to(sent, MEHMET).text
    assigned = await _hand_offer(h, request.id, request.reference, "Leyla")
    offer = new_to(assigned, LEYLA)
    assert "coordination team offers you" in offer.text and "ana@tuebingen.de" not in offer.text
    assert "Please answer by" in offer.text and "of:d:" in str(offer.buttons)
    assert to(assigned, CONTACT) == []  # no name before Leyla agrees
    assert await request_status(h, request.id) == "offered"
    assert await offers_of(h, request.id) == [("Mehmet", "withdrawn"), ("Leyla", "pending")]
    async with h.runtime.db.transaction() as session:
        row = await session.get(Offer, _offer_id(offer))
        assert row is not None and row.respond_by - row.created_at == timedelta(hours=48)
    accepted = await h.press(LEYLA, button(offer, "of:a:"))
    assert "Leyla" in one_to(accepted, CONTACT).text and "ana@tuebingen.de" in one_to(accepted, LEYLA).text
    assert "Leyla accepted" in one_to(accepted, COORDINATOR).text
    assert await request_status(h, request.id) == "accepted"


async def test_a_declined_hand_offer_goes_back_to_the_coordinators(harness: Harness) -> None:
    h = harness
    await _advisors(h)
    request, _sent = await submit_request(h, CONTACT)
    offer = new_to(await _hand_offer(h, request.id, request.reference, "Omid"), OMID)
    reasons = await h.press(OMID, button(offer, "of:d:"))
    declined = await h.press(OMID, button(reasons[0], "of:r:").rsplit(":", 1)[0] + ":time")
    back = one_to(declined, COORDINATOR)
    assert "Omid declined" in back.text and request.reference in back.text and "No time" in back.text
    assert "assign it again" in back.text and any(d.startswith("ca:a:") for _l, d in back.buttons)
    # The cascade does not pick someone in the coordinators' place.
    assert to(declined, LEYLA) == [] and to(declined, MEHMET) == [] and to(declined, CONTACT) == []
    assert await request_status(h, request.id) == "no_match"
    # They can assign it again.
    again = new_to(await _hand_offer(h, request.id, request.reference, "Leyla"), LEYLA)
    assert "coordination team offers you" in again.text


async def test_an_unanswered_hand_offer_goes_back_to_the_coordinators(harness: Harness) -> None:
    h = harness
    await _advisors(h)
    request, _sent = await submit_request(h, CONTACT)
    offer = new_to(await _hand_offer(h, request.id, request.reference, "Omid"), OMID)
    async with h.runtime.db.transaction() as session:
        row = await session.get(Offer, _offer_id(offer))
        assert row is not None
        respond_by = row.respond_by
    passed = await sweep(h, deadlines.sweep_offers, respond_by + timedelta(minutes=1))
    back = one_to(passed, COORDINATOR)
    assert "Omid did not answer" in back.text and request.reference in back.text
    assert any(d.startswith("ca:a:") for _l, d in back.buttons)
    assert "went back to the coordination team" in one_to(passed, OMID).text
    assert to(passed, LEYLA) == [] and to(passed, MEHMET) == []
    assert await request_status(h, request.id) == "no_match"
    assert [s for _n, s in await offers_of(h, request.id)] == ["withdrawn", "expired"]
    # A late answer changes nothing and says where the request went.
    assert to(await h.press(OMID, button(offer, "of:a:")), COORDINATOR) == []
    assert "went back to the coordination team" in h.answered_callbacks()[-1]["text"]


async def test_giving_back_tells_the_coordinators_cancels_the_date_and_offers_the_next(
    harness: Harness,
) -> None:
    h = harness
    await _advisors(h)
    request, sent = await submit_request(h, CONTACT)
    accepted = await h.press(MEHMET, button(one_to(sent, MEHMET), "of:a:"))
    options = await h.press(MEHMET, button(one_to(accepted, MEHMET), "bk:p:"))
    proposed = await h.press(MEHMET, button(options[0], "bk:s:"))
    await h.press(CONTACT, button(one_to(proposed, CONTACT), "bk:y:"))
    assert await request_status(h, request.id) == "scheduled"

    [overview] = await h.text(MEHMET, "/assignments")
    [detail] = await h.press(MEHMET, button(overview, "as:v:"))
    [ask] = await h.press(MEHMET, button(detail, "as:g:"))
    assert "Give back" in ask.text and request.reference in ask.text
    assert await h.press(LEYLA, button(ask, "as:gr:")) == []  # not hers: nothing changes
    given = await h.press(MEHMET, button(ask, "as:gr:").rsplit(":", 1)[0] + ":absent")
    assert "You gave back" in one_to(given, MEHMET).text
    note = one_to(given, COORDINATOR)
    assert "Mehmet gave back" in note.text and "Illness" in note.text and "offered to Leyla" in note.text
    assert request.reference in new_to(given, LEYLA).text  # the next in the ranking gets the offer
    told = one_to(given, CONTACT)
    assert "nicht mehr verfügbar" in told.text and "abgesagt" in told.text
    cancellations = [s for s in given if s.method == "sendDocument"]
    assert {s.chat_id for s in cancellations} == {CONTACT.id, MEHMET.id}
    ics = Calendar.from_ical(base64.b64decode(cancellations[0].payload["document"]["content_b64"]))
    assert str(ics["method"]) == "CANCEL"
    assert await offers_of(h, request.id) == [("Mehmet", "returned"), ("Leyla", "pending")]
    assert await request_status(h, request.id) == "offered"
    [detail] = await h.press(COORDINATOR, data(REQUESTS, "d", request.id))
    assert "Mehmet gave the request back: Illness or a longer absence" in detail.text
    # A second tap gives nothing back twice.
    assert await h.press(MEHMET, button(ask, "as:gr:").rsplit(":", 1)[0] + ":absent") == []


async def test_offer_messages_that_end_lose_their_buttons(harness: Harness) -> None:
    h = harness
    await _advisors(h)
    # Expired: Mehmet's offer and its reminder both say so, without buttons.
    request, sent = await submit_request(h, CONTACT)
    offer = one_to(sent, MEHMET)
    await deliver_outbox(h)
    async with h.runtime.db.transaction() as session:
        row = await session.get(Offer, _offer_id(offer))
        assert row is not None and row.remind_at is not None
        remind_at, respond_by = row.remind_at, row.respond_by
    await sweep(h, deadlines.sweep_offers, remind_at + timedelta(minutes=1))
    await deliver_outbox(h)
    async with h.runtime.db.transaction() as session:
        row = await session.get(Offer, _offer_id(offer))
        assert row is not None and row.reminder_outbox_id is not None
        reminder = await session.get(OutboxMessage, row.reminder_outbox_id)
        assert reminder is not None and reminder.telegram_message_id is not None
        reminder_id = reminder.telegram_message_id
    original_id = await offer_message_id(h, _offer_id(offer))
    passed = await sweep(h, deadlines.sweep_offers, respond_by + timedelta(minutes=1))
    for message_id in (original_id, reminder_id):
        [edit] = edits_of(passed, MEHMET, message_id)
        assert "time to answer this offer has passed" in edit.text and request.reference in edit.text
        assert "reply_markup" not in edit.payload
    leyla_offer = new_to(passed, LEYLA)
    await deliver_outbox(h)

    # Taken elsewhere: the coordinator gives the request to Omid; Leyla's offer message says so.
    leyla_id = await offer_message_id(h, _offer_id(leyla_offer))
    taken = await _hand_offer(h, request.id, request.reference, "Omid")
    [edit] = edits_of(taken, LEYLA, leyla_id)
    assert "gave the request to someone else" in edit.text and "reply_markup" not in edit.payload
    omid_offer = new_to(taken, OMID)
    await deliver_outbox(h)

    # Withdrawn: the contact withdraws the request; Omid's offer message says so.
    omid_id = await offer_message_id(h, _offer_id(omid_offer))
    await h.press(CONTACT, f"st:w:{request.id}")
    withdrawn = await h.press(CONTACT, f"st:y:{request.id}")
    [edit] = edits_of(withdrawn, OMID, omid_id)
    assert "withdrawn" in edit.text and "reply_markup" not in edit.payload


async def test_an_offer_not_yet_delivered_when_it_ends_is_not_sent(harness: Harness) -> None:
    h = harness
    await _advisors(h)
    request, sent = await submit_request(h, CONTACT)
    offer_id = _offer_id(one_to(sent, MEHMET))
    await _hand_offer(h, request.id, request.reference, "Leyla")
    async with h.runtime.db.transaction() as session:
        row = await session.get(Offer, offer_id)
        assert row is not None and row.message_outbox_id is not None
        status = await session.scalar(
            select(OutboxMessage.status).where(OutboxMessage.id == row.message_outbox_id)
        )
    assert status == OutboxStatus.CANCELLED


async def test_accepting_a_reassigned_request_asks_about_the_waiting_date(harness: Harness) -> None:
    h = harness
    await _advisors(h)
    request, sent = await submit_request(h, CONTACT)
    accepted = await h.press(MEHMET, button(one_to(sent, MEHMET), "of:a:"))
    options = await h.press(MEHMET, button(one_to(accepted, MEHMET), "bk:p:"))
    proposed = await h.press(MEHMET, button(options[0], "bk:s:"))
    await h.press(CONTACT, button(one_to(proposed, CONTACT), "bk:y:"))
    async with h.runtime.db.transaction() as session:
        leyla = await session.scalar(select(Advisor.id).where(Advisor.display_name == "Leyla"))
    moved = await h.press(COORDINATOR, data("ra", "t", request.id, leyla))
    offer = new_to(moved, LEYLA)
    assert "coordination team offers you" in offer.text
    taken = await h.press(LEYLA, button(offer, "of:a:"))
    # Once she holds it, Leyla is asked whether she takes over the date the contact confirmed.
    assert any("rt:k:" in str(s.buttons) for s in to(taken, LEYLA))


async def test_a_request_is_given_back_with_a_reason_in_own_words(harness: Harness) -> None:
    h = harness
    await _advisors(h)
    request, sent = await submit_request(h, CONTACT)
    await h.press(MEHMET, button(one_to(sent, MEHMET), "of:a:"))
    [overview] = await h.text(MEHMET, "/assignments")
    [detail] = await h.press(MEHMET, button(overview, "as:v:"))
    [ask] = await h.press(MEHMET, button(detail, "as:g:"))
    [prompt] = await h.press(MEHMET, button(ask, "as:go:"))
    assert "write the reason" in prompt.text
    # "Keep the request" forgets the question: the next text is no reason.
    await h.press(MEHMET, button(prompt, "as:v:"))
    await h.text(MEHMET, "Ich ziehe <b>um</b>")
    assert await request_status(h, request.id) == "accepted"
    await h.press(MEHMET, button(ask, "as:go:"))
    given = await h.text(MEHMET, "Ich ziehe <b>um</b>")
    assert "You gave back" in one_to(given, MEHMET).text
    assert "Ich ziehe &lt;b&gt;um&lt;/b&gt;" in one_to(given, COORDINATOR).text
    assert request.reference in new_to(given, LEYLA).text
    assert await offers_of(h, request.id) == [("Mehmet", "returned"), ("Leyla", "pending")]
