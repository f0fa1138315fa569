"""The kickoff talk's calendar files: published (not an invitation), one per side naming the people
that side needs (the contact's names the advisor, the advisor's the municipality and the contact
person), with the talk's format; an online talk gets the video link the advisor adds; a cancellation
keeps the UID and raises the SEQUENCE."""

from __future__ import annotations

from tests.harness import Harness, TelegramUser
from tests.matching_chat_helpers import booking_of, button, new_to, one_to, to
from tests.reschedule_helpers import calendars, confirmed_talk, with_button

CONTACT = TelegramUser(780, "Ana", "de")
SARA = TelegramUser(781, "Sara", "en")
LINK = "https://meet.example.org/miglobe-kickoff?pwd=1&x=2"


def _event(calendar: object) -> object:
    return calendar.walk("VEVENT")[0]  # type: ignore[attr-defined]


async def test_each_side_gets_a_published_file_naming_the_other_with_the_format(harness: Harness) -> None:
    h = harness
    request, sent = await confirmed_talk(h, CONTACT, SARA, "on_site")
    [mine], [hers] = calendars(sent, CONTACT), calendars(sent, SARA)
    assert str(mine["method"]) == str(hers["method"]) == "PUBLISH"
    contact_event, advisor_event = _event(mine), _event(hers)
    for event in (contact_event, advisor_event):
        assert "ATTENDEE" not in event and str(event["location"]) == request.place_name
    # The contact's file (German) names the advisor and the contact; the format is on site.
    assert "Sara Yılmaz" in str(contact_event["summary"]) and "Auftaktgespräch" in str(
        contact_event["summary"]
    )
    assert "Ana Müller" in str(contact_event["description"]) and "Vor Ort" in str(
        contact_event["description"]
    )
    # The advisor's file (English) names the municipality and the contact person.
    assert request.place_name in str(advisor_event["summary"]) and "Ana Müller" in str(
        advisor_event["summary"]
    )
    assert "On site" in str(advisor_event["description"]) and request.email in str(
        advisor_event["description"]
    )
    assert "Sara" not in str(advisor_event["summary"])
    # No video link for a talk on site.
    assert not [d for _t, d in with_button(sent, SARA, "bk:c:").buttons if d.startswith("bk:l:")]


async def test_an_online_talk_gets_the_advisors_video_link_and_a_cancel_replaces_it(harness: Harness) -> None:
    h = harness
    request, sent = await confirmed_talk(h, CONTACT, SARA, "online")
    [first] = calendars(sent, CONTACT)
    assert "Online" in str(_event(first)["location"]) and "folgt im Chat" in str(_event(first)["description"])
    mine = with_button(sent, SARA, "bk:l:")
    asked = one_to(await h.press(SARA, button(mine, "bk:l:")), SARA)
    assert "https://" in asked.text

    # Not a web link: refused, the question stays open.
    for wrong in ("meet dot example", "javascript:alert(1)", "ftp://example.org/x"):
        [refused] = await h.text(SARA, wrong)
        assert "does not look like a web link" in refused.text
    assert (await booking_of(h, request.id)).video_link is None

    saved = await h.text(SARA, LINK)
    assert (await booking_of(h, request.id)).video_link == LINK
    told = new_to(saved, CONTACT)
    assert (
        "Videogespräch" in told.text
        and 'href="https://meet.example.org/miglobe-kickoff?pwd=1&amp;x=2"' in told.text
    )
    assert any("Saved" in s.text for s in to(saved, SARA))
    [contact_file], [advisor_file] = calendars(saved, CONTACT), calendars(saved, SARA)
    for calendar in (contact_file, advisor_file):
        event = _event(calendar)
        assert (
            str(event["url"]) == LINK and str(event["location"]) == LINK and LINK in str(event["description"])
        )
        assert event["uid"] == _event(first)["uid"]

    # The contact cancels: a CANCEL for both calendars, same UID, a higher SEQUENCE.
    await h.press(CONTACT, button(with_button(sent, CONTACT, "bk:c:"), "bk:c:"))
    talk = await booking_of(h, request.id)
    cancelled = await h.press(CONTACT, f"bk:cy:{talk.id}")
    for person in (CONTACT, SARA):
        [cancel] = calendars(cancelled, person)
        assert str(cancel["method"]) == "CANCEL" and _event(cancel)["uid"] == _event(first)["uid"]
        assert int(_event(cancel)["sequence"]) > int(_event(first)["sequence"])
        assert str(_event(cancel)["status"]) == "CANCELLED"
