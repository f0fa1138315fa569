"""The advisor's side in the chat, offline: profile and pause, the list of offers and requests,
moving and cancelling a kickoff date, a typed outcome note, and a contact withdrawing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services import advisors
from models import Advisor, User, utcnow
from tests.harness import Harness, TelegramUser
from tests.intake_helpers import data_of, last
from tests.matching_chat_helpers import (
    MOESSINGEN,
    booking_of,
    button,
    new_to,
    offers_of,
    onboard,
    one_to,
    request_status,
    submit_request,
    to,
)

CONTACT = TelegramUser(700, "Ana", "de")
SARA = TelegramUser(701, "Sara", "en")


async def _profile(h: Harness, person: TelegramUser) -> Advisor:
    async with h.runtime.db.transaction() as session:
        user_id = await session.scalar(select(User.id).where(User.telegram_id == person.id))
        assert user_id is not None
        found = await advisors.by_user(session, user_id)
        assert found is not None
        return found


async def test_the_profile_is_edited_with_buttons_and_typed_answers(harness: Harness) -> None:
    h = harness
    await onboard(h, SARA)
    [profile] = await h.text(SARA, "/profile")
    assert "Your advisor profile" in profile.text and "Status:</b> ⚠️ not yet available" in profile.text
    languages = last(await h.press(SARA, "pf:l"))
    added = last(await h.press(SARA, data_of(languages, "Arabic")))
    assert "✓ Arabic" in [t for t, _d in added.buttons]
    # The same "add" button again (a double tap, an old message) does not undo itself.
    assert "✓ Arabic" in [t for t, _d in last(await h.press(SARA, data_of(languages, "Arabic"))).buttons]
    search = last(await h.press(SARA, "pf:ls"))
    assert "name of the language" in search.text
    found = last(await h.text(SARA, "Tigrinja"))
    assert "Found" in found.text
    await h.press(SARA, data_of(found, "Tigrinya"))
    area = last(await h.press(SARA, "pf:r"))
    await h.press(SARA, data_of(area, "RB Stuttgart"))
    kreise = last(await h.press(SARA, "pf:k:084"))
    await h.press(SARA, data_of(kreise, "Landkreis Tübingen"))
    await h.press(SARA, "pf:h")
    [home] = await h.text(SARA, "Mössingen")
    assert "Home saved" in home.text and "Mössingen" in home.text
    await h.press(SARA, "pf:t")
    await h.press(SARA, "pf:t:+:festival")
    capacity = last(await h.press(SARA, "pf:c:4"))
    assert "Capacity saved" in capacity.text
    await h.press(SARA, "pf:n")
    [named] = await h.text(SARA, "Sara <K.>")
    assert "Sara &lt;K.&gt;" in named.text
    assert await h.press(SARA, "pf:c:99") == [] and await h.press(SARA, "pf:l:+:xx-nonsense") == []
    advisor = await _profile(h, SARA)
    assert advisor.languages == ["ar", "ti"] and advisor.regierungsbezirke == ["081"]
    assert advisor.kreise == ["08416"] and advisor.home_ags == MOESSINGEN
    assert advisor.topics == ["festival"] and advisor.capacity == 4 and advisor.display_name == "Sara <K.>"
    # With languages and an area the profile is available for offers.
    assert "Status:</b> ✅" in last(await h.text(SARA, "/profile")).text
    # Text after the question was answered is no longer taken as a profile value.
    [other] = await h.text(SARA, "Stuttgart")
    assert "Home saved" not in other.text


async def test_pause_until_a_date_and_end_it(harness: Harness) -> None:
    h = harness
    await onboard(h, SARA, languages=["ar"])
    next_year = utcnow().year + 1
    [paused] = await h.text(SARA, f"/pause 2.1.{next_year}")
    assert f"Paused until January 2, {next_year}" in paused.text and "paused until" in paused.text
    assert (await _profile(h, SARA)).paused_until is not None
    # Not a date: the formats that work (Sara reads English, so month first leads); a real date in
    # the past: the range.
    [wrong] = await h.text(SARA, "/pause yesterday")
    assert "cannot read that as a date" in wrong.text and "12/31/" in wrong.text
    assert "from today up to one year" not in wrong.text
    [past] = await h.text(SARA, "/pause 1/2/2020")
    assert "from today up to one year ahead" in past.text and "cannot read" not in past.text
    [ended] = await h.press(SARA, "pa:end")
    assert "pause has ended" in ended.text and (await _profile(h, SARA)).paused_until is None
    assert await h.press(SARA, "pa:u:20000101") == []


async def test_move_a_confirmed_date_then_cancel_it_and_list_the_assignments(harness: Harness) -> None:
    h = harness
    await onboard(h, SARA, languages=["tr", "ti"], home_ags=MOESSINGEN)
    request, sent = await submit_request(h, CONTACT)
    accepted = await h.press(SARA, button(one_to(sent, SARA), "of:a:"))
    [listing] = await h.text(SARA, "/assignments")
    assert request.reference in listing.text and "advisor found" in listing.text
    detail = last(await h.press(SARA, button(listing, "as:v:")))
    assert "ana@tuebingen.de" in detail.text and "not agreed yet" in detail.text
    # Another day through the calendar and a time.
    options = last(await h.press(SARA, button(one_to(accepted, SARA), "bk:p:")))
    month = last(await h.press(SARA, button(options, "bk:m:")))
    day = (utcnow() + timedelta(days=3)).astimezone(h.runtime.settings.tz).date()
    times = last(await h.press(SARA, f"bk:d:{request.id}:{day:%Y%m%d}"))
    assert month.buttons and any(t == "15:30" for t, _d in times.buttons)
    proposed = await h.press(SARA, f"bk:s:{request.id}:{day:%Y%m%d}1530")
    proposal = one_to(proposed, CONTACT)
    confirmed = await h.press(CONTACT, button(proposal, "bk:y:"))
    assert await request_status(h, request.id) == "scheduled"
    # "Cancel?" – "No, keep it" brings the message back as it was.
    contact_message = new_to(confirmed, CONTACT)
    question = last(await h.press(CONTACT, button(contact_message, "bk:c:")))
    kept = last(await h.press(CONTACT, button(question, "bk:ck:")))
    assert "bestätigt" in kept.text and [d for _t, d in kept.buttons] == [
        d for _t, d in contact_message.buttons
    ]
    # The contact asks to move the confirmed date; an old proposal's button is stale afterwards.
    # It asks first, then which days would suit; sending without days means any day suits.
    really = one_to(await h.press(CONTACT, button(contact_message, "bk:n:")), CONTACT)
    assert "anderen Termin" in really.text and await request_status(h, request.id) == "scheduled"
    days = one_to(await h.press(CONTACT, button(really, "bk:na:")), CONTACT)
    moved = await h.press(CONTACT, button(days, "bk:ns:"))
    assert "anderen Termin" in one_to(moved, CONTACT).text and "another date" in one_to(moved, SARA).text
    assert "any day suits" in one_to(moved, SARA).text
    assert await request_status(h, request.id) == "accepted"
    assert await h.press(CONTACT, button(proposal, "bk:y:")) != []  # stale: explained, nothing confirmed
    assert await request_status(h, request.id) == "accepted"
    again = await h.press(SARA, f"bk:s:{request.id}:{day:%Y%m%d}1000")
    confirmed = await h.press(CONTACT, button(one_to(again, CONTACT), "bk:y:"))
    assert (await booking_of(h, request.id)).sequence == 1  # raised by the second proposal
    # The advisor cancels: the contact is told, both calendars get the cancellation.
    ask = last(await h.press(SARA, button(new_to(confirmed, SARA), "bk:c:")))
    assert await h.press(TelegramUser(799, "Eve", "en"), button(ask, "bk:cy:")) == []  # not a party
    assert "not available" in h.answered_callbacks()[-1]["text"]
    cancelled = await h.press(SARA, button(ask, "bk:cy:"))
    assert "abgesagt" in one_to(cancelled, CONTACT).text
    documents = [s for s in cancelled if s.method == "sendDocument"]
    assert {d.chat_id for d in documents} == {CONTACT.id, SARA.id}
    assert (await booking_of(h, request.id)).status == "cancelled" and await request_status(
        h, request.id
    ) == "accepted"


async def test_a_contact_withdrawing_takes_back_the_offer_and_tells_the_advisor(harness: Harness) -> None:
    h = harness
    await onboard(h, SARA, languages=["tr", "ti"], home_ags=MOESSINGEN)
    request, sent = await submit_request(h, CONTACT)
    offer = one_to(sent, SARA)
    await h.press(CONTACT, f"st:w:{request.id}")
    withdrawn = await h.press(CONTACT, f"st:y:{request.id}")
    assert "withdrawn" in one_to(withdrawn, SARA).text
    assert await offers_of(h, request.id) == [("Sara", "withdrawn")]
    [late] = await h.press(SARA, button(offer, "of:a:"))
    assert "withdrawn" in late.text
    assert to(withdrawn, CONTACT)
