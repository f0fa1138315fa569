"""A kickoff date proposed again at the time already proposed or agreed (an old picker pressed once
more, a double tap) changes nothing and says why; the contact's /status tells what a proposal
waiting for them asks of them and can show that proposal again."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from models import KickoffRequest
from tests.faq_helpers import last_callback_answer
from tests.harness import Harness, TelegramUser
from tests.matching_chat_helpers import (
    booking_of,
    button,
    onboard,
    one_to,
    request_status,
    submit_request,
    to,
)
from tests.reschedule_helpers import confirmed_talk

BERLIN = ZoneInfo("Europe/Berlin")
AGREED = {"de": "bereits der vereinbarte Termin", "en": "already the agreed date"}
PROPOSED = {"de": "bereits vorgeschlagen", "en": "already proposed this time"}
STATUS = {
    "de": ("Vorgeschlagener Termin:", "Bitte bestätigen Sie den vorgeschlagenen Termin", "Auf den Vorschlag"),
    "en": ("Proposed date:", "Please confirm the proposed date", "Answer the proposed date"),
}


def _start_button(request_id: int, starts_at: object) -> str:
    """The picker's button for that start time (local time, as the picker writes it)."""
    local = starts_at.astimezone(BERLIN)  # type: ignore[attr-defined]
    return f"bk:s:{request_id}:{local:%Y%m%d%H%M}"


async def _first_picker(
    h: Harness, contact: TelegramUser, advisor: TelegramUser
) -> tuple[KickoffRequest, str]:
    """The advisor accepts the contact's new request and opens the date picker: the request and
    the picker's first time button."""
    await onboard(h, advisor, display_name="Sara Yılmaz", languages=["tr", "ti"])
    request, sent = await submit_request(h, contact)
    accepted = await h.press(advisor, button(one_to(sent, advisor), "of:a:"))
    options = await h.press(advisor, button(one_to(accepted, advisor), "bk:p:"))
    return request, button(options[0], "bk:s:")


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_the_agreed_time_proposed_again_changes_nothing(harness: Harness, lang: str) -> None:
    h = harness
    contact, advisor = TelegramUser(880, "Ana", lang), TelegramUser(881, "Sara", lang)
    request, _confirmed = await confirmed_talk(h, contact, advisor)
    agreed = await booking_of(h, request.id)
    assert agreed.status == "confirmed" and await request_status(h, request.id) == "scheduled"

    sent = await h.press(advisor, _start_button(request.id, agreed.starts_at))
    answer = last_callback_answer(h)
    assert AGREED[lang] in answer["text"] and answer["show_alert"] == "true"
    assert not to(sent, contact)  # no "new date … instead of" the same date
    after = await booking_of(h, request.id)
    assert (after.status, after.sequence, after.starts_at) == ("confirmed", agreed.sequence, agreed.starts_at)
    assert await request_status(h, request.id) == "scheduled"


async def test_a_proposal_tapped_twice_reaches_the_contact_once(harness: Harness) -> None:
    h = harness
    contact, advisor = TelegramUser(882, "Ana", "de"), TelegramUser(883, "Sara", "de")
    request, chosen = await _first_picker(h, contact, advisor)
    first = await h.press(advisor, chosen)
    assert len(to(first, contact)) == 1
    again = await h.press(advisor, chosen)
    assert not to(again, contact) and PROPOSED["de"] in last_callback_answer(h)["text"]
    assert (await booking_of(h, request.id)).sequence == 0


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_status_tells_what_a_waiting_proposal_asks_and_shows_it(harness: Harness, lang: str) -> None:
    h = harness
    contact, advisor = TelegramUser(884, "Ana", lang), TelegramUser(885, "Sara", lang)
    request, chosen = await _first_picker(h, contact, advisor)
    await h.press(advisor, chosen)
    talk = await booking_of(h, request.id)

    listed = one_to(await h.text(contact, "/status"), contact)
    date_line, next_line, label = STATUS[lang]
    assert date_line in listed.text and next_line in listed.text
    opened = one_to(await h.press(contact, button(listed, "st:o:")), contact)
    assert any(label in text for text, _d in opened.buttons)
    again = one_to(await h.press(contact, button(opened, "st:d:")), contact)
    assert again.method == "sendMessage"
    assert f"bk:y:{talk.id}:{talk.sequence}" in [d for _t, d in again.buttons]

    # Once confirmed, the status names the talk and the button shows the request as it is.
    await h.press(contact, f"bk:y:{talk.id}:{talk.sequence}")
    refreshed = one_to(await h.press(contact, button(opened, "st:d:")), contact)
    assert refreshed.method == "editMessageText" and date_line not in refreshed.text
    assert not [d for _t, d in refreshed.buttons if d.startswith("st:d:")]
