"""After a reassignment with a confirmed date, the contact's "advisor found" message keeps the date."""

from __future__ import annotations

from handlers.callback_data import data
from tests.harness import Harness
from tests.matching_chat_helpers import COORDINATOR, button, new_to
from tests.test_reassign_chat import CONTACT, LEYLA, _advisor_id, _confirmed_date, _held_by_mehmet


async def test_the_contact_hears_the_kept_date_not_a_new_proposal(harness: Harness) -> None:
    h = harness
    request = await _held_by_mehmet(h)
    await _confirmed_date(h, request)
    sent = await h.press(COORDINATOR, data("ra", "t", request.id, await _advisor_id(h, "Leyla Aydın")))
    accepted = await h.press(LEYLA, button(new_to(sent, LEYLA), "of:a:"))
    found = new_to(accepted, CONTACT).text
    assert "Leyla Aydın" in found and "bleibt vorerst geplant" in found
    assert "schlägt hier im Chat einen Termin" not in found  # not the usual "she proposes a date"
