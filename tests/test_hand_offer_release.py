"""A hand offer whose advisor is deactivated or deletes their data goes back to the coordinators,
as when the advisor declines it: no other advisor gets it from the cascade, the request waits for a
new choice and the coordinators are told (offline harness, both databases)."""

from __future__ import annotations

from tests.harness import Harness, Sent, TelegramUser
from tests.matching_chat_helpers import COORDINATOR, button, offers_of, request_status, to
from tests.test_coordinator_advisors_chat import _edit, _request, _team, _toast


async def _hand_offer_to_mehmet(h: Harness) -> tuple[int, str, int, TelegramUser]:
    """A new request that Cora offers by hand to Mehmet (both Mehmet and Leyla fit it)."""
    team = await _team(h)
    await h.text(COORDINATOR, "/advisors")  # Cora's user row
    request_id, reference, _offered = await _request(h, offer=False)
    advisor_id = team.ids["Mehmet"]
    sent = await h.press(COORDINATOR, f"ca:a:{request_id}:{advisor_id}")
    assert any(s.chat_id == team.people["Mehmet"].id and s.buttons for s in sent), [s.text for s in sent]
    assert await offers_of(h, request_id) == [("Mehmet", "pending")]
    return request_id, reference, advisor_id, team.people["Mehmet"]


def _texts(sent: list[Sent]) -> str:
    return "\n".join(s.text for s in to(sent, COORDINATOR))


async def test_deactivating_the_advisor_returns_a_hand_offer_to_the_coordinators(harness: Harness) -> None:
    h = harness
    request_id, reference, advisor_id, _mehmet = await _hand_offer_to_mehmet(h)
    question = _edit(await h.press(COORDINATOR, f"ad:d:{advisor_id}:0:all"), COORDINATOR)
    assert "those offered by hand come back to you" in question.text
    sent = await h.press(COORDINATOR, button(question, f"ad:y:{advisor_id}:0:all"))
    assert _toast(h) == "Deactivated."
    # Nobody else was picked by the cascade: the coordinators choose again.
    assert await offers_of(h, request_id) == [("Mehmet", "withdrawn")]
    assert await request_status(h, request_id) == "no_match"
    told = _texts(sent)
    assert f"{reference} was offered by hand: it is back with you; please assign it again." in told
    assert "The request is back with you: please assign it again." in told
    back = [s for s in to(sent, COORDINATOR) if "back with you: please assign" in s.text]
    assert any(d.startswith(f"ca:a:{request_id}:") for _l, d in back[0].buttons)  # assign again from here


async def test_an_advisors_erasure_returns_a_hand_offer_to_the_coordinators(harness: Harness) -> None:
    h = harness
    request_id, reference, advisor_id, mehmet = await _hand_offer_to_mehmet(h)
    [screen] = await h.text(mehmet, "/delete")
    sent = await h.press(mehmet, button(screen, "pv:y:"))
    assert await offers_of(h, request_id) == [(f"#{advisor_id}", "withdrawn")]
    assert await request_status(h, request_id) == "no_match"
    told = _texts(sent)
    assert f"Offered by hand and back with you: {reference}" in told
    assert "went to the next advisor" not in told
    assert "The request is back with you: please assign it again." in told
