"""Asking for another kickoff date: the contact is asked first, then chooses the days that would suit
them in the intake's calendar; the advisor gets those days and the picker offers them first. After a
reassignment the contact and the request's current advisor are the two sides of the talk."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update

from handlers.callback_data import REQUESTS, data
from models import User
from tests.harness import Harness, TelegramUser
from tests.matching_chat_helpers import COORDINATOR, booking_of, button, new_to, one_to, request_status, to
from tests.reschedule_helpers import calendars, confirmed_talk, with_button
from tests.test_reassign_chat import _advisor_id, _confirmed_date, _held_by_mehmet

TEXTS = {
    "de": {"ask": "anderen Termin bitten", "days": "Welche Tage", "choice": "Ihre Auswahl"},
    "en": {"ask": "ask for another date instead", "days": "Which days", "choice": "Your choice"},
}
ADVISOR_TEXTS = {
    "de": ("Diese Tage würden passen", "vormittags"),
    "en": ("These days would suit them", "morning"),
}


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_another_date_asks_first_then_which_days_suit(harness: Harness, lang: str) -> None:
    h = harness
    contact = TelegramUser(770, "Ana", lang)
    advisor = TelegramUser(771, "Sara", "en" if lang == "de" else "de")
    request, confirmed = await confirmed_talk(h, contact, advisor)
    talk = with_button(confirmed, contact, "bk:n:")

    # The first tap only asks; nothing changes and the advisor hears nothing.
    asked = await h.press(contact, button(talk, "bk:n:"))
    question = one_to(asked, contact)
    assert question.method == "editMessageText" and TEXTS[lang]["ask"] in question.text
    assert not to(asked, advisor) and (await booking_of(h, request.id)).status == "confirmed"
    kept = one_to(await h.press(contact, button(question, "bk:ck:")), contact)
    assert "bk:n:" in str(kept.buttons) and (await booking_of(h, request.id)).status == "confirmed"

    # Yes: the intake's calendar, a day, its time of day; the choice is ticked and listed.
    calendar = one_to(await h.press(contact, button(question, "bk:na:")), contact)
    assert TEXTS[lang]["days"] in calendar.text
    days = [d for _t, d in calendar.buttons if d.startswith("bk:nd:")]
    parts = one_to(await h.press(contact, days[2]), contact)
    morning = button(parts, "bk:np:")
    assert morning.endswith(":am")
    chosen = one_to(await h.press(contact, morning), contact)
    assert any(label.startswith("✓") for label, _d in chosen.buttons)
    assert TEXTS[lang]["choice"] in chosen.text
    assert (await booking_of(h, request.id)).status == "confirmed"  # still nothing sent

    sent = await h.press(contact, button(chosen, "bk:ns:"))
    day = date(int(days[2][-8:-4]), int(days[2][-4:-2]), int(days[2][-2:]))
    talk_row = await booking_of(h, request.id)
    assert talk_row.status == "declined"
    assert talk_row.wished_windows == [{"date": day.isoformat(), "part": "am"}]
    assert await request_status(h, request.id) == "accepted"
    note = new_to(sent, advisor)
    heading, part = ADVISOR_TEXTS[advisor.language_code]
    assert heading in note.text and part in note.text

    # The advisor's picker offers the wished day first (morning: 10:00).
    options = await h.press(advisor, button(note, "bk:p:"))
    assert options[0].buttons[0][1] == f"bk:s:{request.id}:{day:%Y%m%d}1000"


async def test_an_old_cancel_button_before_the_takeover_leaves_the_previous_advisor_out(
    harness: Harness,
) -> None:
    h = harness
    contact, mehmet = TelegramUser(700, "Ana", "de"), TelegramUser(701, "Mehmet", "en")
    request = await _held_by_mehmet(h)
    await _confirmed_date(h, request)
    talk = await booking_of(h, request.id)
    [_detail] = await h.press(COORDINATOR, data(REQUESTS, "d", request.id))
    await h.press(COORDINATOR, data("ra", "t", request.id, await _advisor_id(h, "Leyla Aydın")))

    # Mehmet's old buttons: the request moved on, nothing changes.
    assert await h.press(mehmet, data("bk", "cy", talk.id)) == []
    assert "passed on to another advisor" in h.answered_callbacks()[-1]["text"]
    assert (await booking_of(h, request.id)).status == "confirmed"

    # The contact's old "cancel" button still works; Mehmet is not told he remains the advisor.
    sent = await h.press(contact, data("bk", "cy", talk.id))
    assert (await booking_of(h, request.id)).status == "cancelled"
    assert not [s for s in sent if s.chat_id == mehmet.id]
    assert "neue Berater*in" in one_to(sent, contact).text
    assert [str(c["method"]) for c in calendars(sent, contact)] == ["CANCEL"]


async def test_an_old_button_of_the_previous_advisor_says_the_request_moved_on_in_german(
    harness: Harness,
) -> None:
    h = harness
    request = await _held_by_mehmet(h)
    await _confirmed_date(h, request)
    talk = await booking_of(h, request.id)
    await h.press(COORDINATOR, data("ra", "t", request.id, await _advisor_id(h, "Leyla Aydın")))
    mehmet = TelegramUser(701, "Mehmet", "en")
    async with h.runtime.db.transaction() as session:  # Mehmet switched the bot to German
        await session.execute(update(User).where(User.telegram_id == mehmet.id).values(locale="de"))
    assert await h.press(mehmet, data("bk", "c", talk.id)) == []
    assert "an eine andere Berater*in weitergegeben" in h.answered_callbacks()[-1]["text"]
