"""After a reassignment the previous advisor's message of the accepted request (contact details,
"propose a date") is edited to say the request has moved on, without buttons, in their language
(offline harness, both databases)."""

from __future__ import annotations

from handlers.callback_data import data
from tests.hand_offer_helpers import deliver_outbox, edits_of, offer_message_id
from tests.harness import Harness, Sent, TelegramUser
from tests.matching_chat_helpers import (
    COORDINATOR,
    MOESSINGEN,
    REUTLINGEN,
    button,
    new_to,
    offers_of,
    onboard,
    request_status,
    submit_request,
)

CONTACT = TelegramUser(700, "Ana", "de")


async def _reassigned_after_accepting(h: Harness, advisor: TelegramUser) -> tuple[list[Sent], int, str]:
    """``advisor`` accepts the request in its offer message; the coordinator offers it anew.
    What the reassignment queued, the accepted message's id and the request's reference."""
    other = TelegramUser(702 if advisor.id == 701 else 701, "Leyla", "de")
    await onboard(h, advisor, display_name="Mehmet Demir", languages=["tr", "ti"], home_ags=MOESSINGEN)
    await onboard(h, other, display_name="Leyla Aydın", languages=["tr"], home_ags=REUTLINGEN)
    request, sent = await submit_request(h, CONTACT)
    offer = new_to(sent, advisor)
    await deliver_outbox(h)
    offer_id = int(button(offer, "of:a:").rsplit(":", 1)[1])
    message_id = await offer_message_id(h, offer_id)
    accepted = await h.press(advisor, button(offer, "of:a:"), message_id=message_id)
    [held] = edits_of(accepted, advisor, message_id)
    assert held.buttons and "bk:p:" in button(held, "bk:p:")  # the live request message
    await deliver_outbox(h)
    moved = await h.press(COORDINATOR, data("ra", "o", request.id))
    assert await offers_of(h, request.id) == [("Mehmet Demir", "withdrawn"), ("Leyla Aydın", "pending")]
    assert await request_status(h, request.id) == "offered"
    return moved, message_id, request.reference


async def test_the_accepted_message_says_the_request_moved_on_without_buttons(harness: Harness) -> None:
    h = harness
    mehmet = TelegramUser(701, "Mehmet", "en")
    moved, message_id, reference = await _reassigned_after_accepting(h, mehmet)
    [edit] = edits_of(moved, mehmet, message_id)
    assert reference in edit.text and "passed this request on to another advisor" in edit.text
    assert "you no longer look after it" in edit.text
    assert edit.buttons == []
    assert "Ana" not in edit.text  # the contact's details are gone from the old message


async def test_in_german_for_a_german_advisor(harness: Harness) -> None:
    h = harness
    mehmet = TelegramUser(701, "Mehmet", "de")
    moved, message_id, reference = await _reassigned_after_accepting(h, mehmet)
    [edit] = edits_of(moved, mehmet, message_id)
    assert reference in edit.text and "Diese Anfrage betreuen Sie nicht mehr" in edit.text
    assert edit.buttons == []
