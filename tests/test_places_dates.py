"""Places and dates as people read them: a Stadtkreis named once, and English dates that cannot be
taken for another day (day, month's name, year; a 24-hour clock), German ones as before."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import i18n
from bot.regions import get_registry
from bot.regions.search import search
from bot.services.geography import place_label
from handlers import request_view
from handlers.advisor_pause import parse_date
from handlers.notify import Reader
from models import KickoffRequest

BERLIN = ZoneInfo("Europe/Berlin")
FREIBURG, FREIBURG_KREIS = "08311000", "08311"
TUEBINGEN, TUEBINGEN_KREIS = "08416041", "08416"
MOMENT = datetime(2026, 12, 3, 10, 43, tzinfo=UTC)  # 11:43 in Berlin


def _request(place_name: str, place_ags: str, kreis_ags: str) -> KickoffRequest:
    return KickoffRequest(
        reference="MG-2026-0001", place_name=place_name, place_ags=place_ags, kreis_ags=kreis_ags
    )


def test_a_stadtkreis_is_named_once() -> None:
    freiburg = get_registry().gemeinde(FREIBURG)
    assert freiburg is not None and freiburg.label == "Freiburg im Breisgau (Stadtkreis)"
    assert search("Freiburg im Breisgau").match == freiburg
    assert search("Freiburg im Breisgau (Stadtkreis)").match == freiburg  # the label typed back
    new = _request(freiburg.label, FREIBURG, FREIBURG_KREIS)
    stored_before = _request("Freiburg im Breisgau, Stadtkreis", FREIBURG, FREIBURG_KREIS)
    for request in (new, stored_before):
        assert request_view.place(request) == "Freiburg im Breisgau (Stadtkreis)"
        assert "Stadtkreis Freiburg" not in request_view.title(request)


def test_a_gemeinde_in_a_landkreis_keeps_its_kreis() -> None:
    assert place_label("Tübingen, Landkreis Tübingen", TUEBINGEN, TUEBINGEN_KREIS) == (
        "Tübingen, Landkreis Tübingen"
    )
    assert place_label("Tübingen", TUEBINGEN, TUEBINGEN_KREIS) == "Tübingen (Landkreis Tübingen)"
    assert place_label("Landkreis Tübingen", TUEBINGEN_KREIS, TUEBINGEN_KREIS) == "Landkreis Tübingen"


def test_english_dates_are_day_month_year_with_a_24_hour_clock() -> None:
    for fmt in ("short", "medium"):
        assert i18n.format_datetime(MOMENT, "en", BERLIN, fmt) == "3 Dec 2026, 11:43"
        assert i18n.format_date(MOMENT, "en", BERLIN, fmt) == "3 Dec 2026"
    assert i18n.format_time(MOMENT, "en", BERLIN) == "11:43"
    r = Reader(1, 1, "en", BERLIN)
    assert r.time(MOMENT) == "11:43" and r.when(MOMENT).endswith(", 11:43")
    assert f"{r.day(MOMENT, 'short')} {r.time(MOMENT)}" == "3 Dec 2026 11:43"  # the request history
    afternoon = datetime(2026, 12, 3, 14, 30, tzinfo=UTC)
    assert "AM" not in r.when(afternoon) and "PM" not in r.when(afternoon) and "15:30" in r.when(afternoon)


def test_german_dates_stay_as_they_were() -> None:
    assert i18n.format_datetime(MOMENT, "de", BERLIN, "short") == "03.12.26, 11:43"
    assert i18n.format_datetime(MOMENT, "de", BERLIN, "medium") == "03.12.2026, 11:43:00"
    assert i18n.format_date(MOMENT, "de", BERLIN, "short") == "03.12.26"
    assert i18n.format_date(MOMENT, "de", BERLIN, "medium") == "03.12.2026"
    assert i18n.format_date(MOMENT, "de", BERLIN) == "Donnerstag, 3. Dezember 2026"
    r = Reader(1, 1, "de", BERLIN)
    assert r.when(MOMENT) == "Do., 3. Dez. 2026, 11:43"


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("3 Dec 2026", "en", date(2026, 12, 3)),
        ("3 December 2026", "en", date(2026, 12, 3)),
        ("31 Feb 2026", "en", None),
        ("3 Foo 2026", "en", None),
        ("3. Dez. 2026", "de", date(2026, 12, 3)),
    ],
)
def test_a_date_shown_with_the_months_name_can_be_typed_back(
    text: str, locale: str, expected: date | None
) -> None:
    assert i18n.parse_written_date(text, locale) == expected
    assert parse_date(text, locale) == expected
