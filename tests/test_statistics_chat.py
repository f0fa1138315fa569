"""/statistik through the handlers: coordinators get the numbers and two charts; others are refused."""

from __future__ import annotations

import base64

from tests.harness import Harness, TelegramUser

PNG = b"\x89PNG\r\n\x1a\n"


async def test_coordinator_gets_numbers_and_two_charts(harness: Harness) -> None:
    coordinator = TelegramUser(900, "Coord", "de")
    sent = await harness.text(coordinator, "/statistik")
    report = sent[0]
    assert report.method == "sendMessage"
    assert "<b>Statistik vom" in report.text and "Anfragen: 0" in report.text
    assert [d for _t, d in report.buttons] == ["stats:30", "stats:365", "stats:all"]
    photos = [s for s in sent if s.method == "sendPhoto"]
    assert len(photos) == 2
    for photo in photos:
        assert base64.b64decode(photo.payload["photo"]["content_b64"]).startswith(PNG)
    again = await harness.press(coordinator, "stats:30")
    assert again[0].text.startswith("<b>Statistik vom")


async def test_contacts_and_forged_buttons_are_refused(harness: Harness) -> None:
    contact = TelegramUser(501, "Ana", "en")
    [refusal] = await harness.text(contact, "/stats")
    assert refusal.text == "This is only available to coordinators."
    assert await harness.press(contact, "stats:all") == []
    assert harness.answered_callbacks()[-1]["text"] == "This is only available to coordinators."
    assert await harness.press(TelegramUser(900, "Coord", "de"), "stats:9999") == []
