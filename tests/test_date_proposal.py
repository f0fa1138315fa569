"""Proposing the kickoff date: a flexible contact goes straight to a calendar of selectable days, and
the picker comes as a new message, so the accepted request with the contact's details stays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from handlers import booking_picker
from handlers.notify import Reader
from models import KickoffRequest, utcnow
from tests.harness import Harness, TelegramUser
from tests.matching_chat_helpers import MOESSINGEN, button, onboard, one_to, submit_request, to

CONTACT = TelegramUser(760, "Ana", "de")
SARA = TelegramUser(761, "Sara", "en")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _request(windows: list[dict[str, str]], flexible: bool) -> KickoffRequest:
    return KickoffRequest(id=7, reference="MG-2026-0007", time_windows=windows, flexible=flexible)


def _days(markup: object) -> list[str]:
    rows = markup.inline_keyboard  # type: ignore[attr-defined]
    return [b.callback_data for row in rows for b in row if b.callback_data.startswith("bk:d:")]


def test_a_flexible_contact_gets_the_calendar_with_days_straight_away() -> None:
    for locale in ("de", "en"):
        text, markup = booking_picker.options(Reader(1, 1, locale, BERLIN), _request([], True), NOW)
        days = _days(markup)
        # Tomorrow up to the end of the month, each one a button; no "back" to an empty screen.
        assert days[0] == "bk:d:7:20260303" and days[-1] == "bk:d:7:20260331" and len(days) == 29
        assert not any(b.callback_data.startswith("bk:o:") for row in markup.inline_keyboard for b in row)
        assert "Wählen Sie einen Tag:" not in text and "Choose a day:" not in text
    text, _markup = booking_picker.options(Reader(1, 1, "de", BERLIN), _request([], True), NOW)
    assert "flexibel" in text and "Tag" in text


def test_preferred_times_come_first_and_the_calendar_leads_back_to_them() -> None:
    r = Reader(1, 1, "en", BERLIN)
    request = _request([{"date": "2026-03-10", "part": "morning"}], False)
    text, markup = booking_picker.options(r, request, NOW)
    data = [b.callback_data for row in markup.inline_keyboard for b in row]
    assert data == ["bk:s:7:202603101000", "bk:m:7:202603"] and "preferred times" in text
    heading, calendar = booking_picker.month(r, request, date(2026, 3, 1), NOW)
    assert _days(calendar) and calendar.inline_keyboard[-1][0].callback_data == "bk:o:7"
    assert "public holidays are in brackets" in heading  # what a bracketed day means


async def test_the_picker_is_a_new_message_and_the_contact_details_stay(harness: Harness) -> None:
    h = harness
    await onboard(h, SARA, languages=["tr", "ti"], home_ags=MOESSINGEN, kreise=["08416"])
    request, sent = await submit_request(h, CONTACT)
    async with h.runtime.db.transaction() as session:  # the contact said "flexibel"
        flexible = update(KickoffRequest).values(time_windows=[], flexible=True)
        await session.execute(flexible.where(KickoffRequest.id == request.id))
    accepted = one_to(await h.press(SARA, button(one_to(sent, SARA), "of:a:"), message_id=41), SARA)
    assert "ana@tuebingen.de" in accepted.text

    # "Propose a date" on the message with the contact's details: a new message, that one untouched.
    opened = await h.press(SARA, button(accepted, "bk:p:"), message_id=41)
    assert [s.method for s in to(opened, SARA)] == ["sendMessage"]
    assert not [s for s in opened if s.method.startswith("edit") and s.payload.get("message_id") == 41]
    picker = one_to(opened, SARA)
    tomorrow = (utcnow() + timedelta(days=1)).astimezone(h.runtime.settings.tz).date()
    assert f"bk:d:{request.id}:{tomorrow:%Y%m%d}" in [d for _t, d in picker.buttons]
    assert "ana@tuebingen.de" not in picker.text

    # The picker's own buttons change the picker in place; the proposal replaces the picker.
    times = one_to(await h.press(SARA, f"bk:d:{request.id}:{tomorrow:%Y%m%d}", message_id=42), SARA)
    assert times.method == "editMessageText" and times.payload["message_id"] == 42
    assert "15:30" in [t for t, _d in times.buttons]  # a 24-hour clock in English too
    proposed = await h.press(SARA, f"bk:s:{request.id}:{tomorrow:%Y%m%d}1530", message_id=42)
    mine = [s for s in proposed if s.chat_id == SARA.id and s.method.startswith("edit")]
    assert [s.payload["message_id"] for s in mine] == [42]
    assert any(s.chat_id == CONTACT.id and "Sara" in s.text for s in proposed)
