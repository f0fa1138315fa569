"""Weekends and Baden-Württemberg's public holidays are marked in brackets in the intake's calendar
and in the advisor's date picker, so that nobody picks a day the town hall is closed unawares."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.holidays import closed_day, public_holidays
from handlers import booking_picker
from handlers.notify import Reader
from models import IntakeStep, KickoffRequest
from tests.harness import Harness, TelegramUser
from tests.intake_helpers import berlin_today, walk_to

BERLIN = ZoneInfo("Europe/Berlin")


def _labels(markup: object) -> dict[str, str]:
    """Day code (YYYYMMDD) → the label of its button."""
    rows = markup.inline_keyboard  # type: ignore[attr-defined]
    return {b.callback_data[-8:]: b.text for row in rows for b in row if b.callback_data[-8:].isdigit()}


def test_the_public_holidays_of_baden_wuerttemberg() -> None:
    # 2027: Easter Sunday is 28 March.
    assert sorted(public_holidays(2027)) == [
        date(2027, 1, 1), date(2027, 1, 6), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 1),
        date(2027, 5, 6), date(2027, 5, 17), date(2027, 5, 27), date(2027, 10, 3), date(2027, 11, 1),
        date(2027, 12, 25), date(2027, 12, 26),
    ]  # fmt: skip
    assert closed_day(date(2026, 12, 25)) and closed_day(date(2027, 1, 6))  # a Friday, a Wednesday
    assert closed_day(date(2026, 12, 5))  # a Saturday
    assert not closed_day(date(2026, 12, 24)) and not closed_day(date(2026, 12, 31))  # working days
    assert not closed_day(date(2028, 8, 15))  # a Tuesday; Mariä Himmelfahrt is a holiday in Bavaria, not here


def test_the_advisors_picker_brackets_holidays_like_weekends() -> None:
    request = KickoffRequest(id=7, reference="MG-2026-0007", time_windows=[], flexible=True)
    now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    _text, markup = booking_picker.month(Reader(1, 1, "de", BERLIN), request, date(2026, 12, 1), now)
    labels = _labels(markup)
    assert labels["20261225"] == "(25)" and labels["20261226"] == "(26)"  # Friday, Saturday
    assert labels["20261224"] == "24" and labels["20261223"] == "23"
    _text, markup = booking_picker.month(Reader(1, 1, "de", BERLIN), request, date(2027, 1, 1), now)
    assert _labels(markup)["20270106"] == "(6)" and _labels(markup)["20270107"] == "7"


async def test_the_intake_calendar_brackets_the_next_holiday_on_a_weekday(harness: Harness) -> None:
    h = harness
    contact = TelegramUser(890, "Ana", "de")
    prompt = await walk_to(h, contact, IntakeStep.TIMES)
    assert "Feiertage stehen in Klammern" in prompt.text
    today = berlin_today()
    # Within the calendar's 180 days there is always a public holiday on a weekday.
    holiday = next(
        day
        for day in (today + timedelta(days=n) for n in range(2, 180))
        if day in public_holidays(day.year) and day.weekday() < 5
    )
    shown = (await h.press(contact, f"ik:tw:m:{holiday:%Y%m}"))[-1]
    labels = {d[-8:]: t for t, d in shown.buttons if d.startswith("ik:tw:d:")}
    assert labels[f"{holiday:%Y%m%d}"] == f"({holiday.day})"
    ordinary = next(d for d, t in labels.items() if not t.startswith("("))
    assert not closed_day(date(int(ordinary[:4]), int(ordinary[4:6]), int(ordinary[6:])))
