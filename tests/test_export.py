"""Exports: requests and advisors of a period as XLSX (read back with openpyxl) and as CSV for
German Excel (read back with the csv module): the expected rows, umlauts intact, Berlin times."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.db import Database
from bot.services import booking, exports, offers
from bot.services.exports import Labels
from bot.services.funnel_stats import Period
from models import Role
from tests.hand_offer_helpers import assign_and_accept
from tests.matching_helpers import NOW, add_advisor, add_request, add_user, migrated

BERLIN = ZoneInfo("Europe/Berlin")
MARCH = Period.from_dates(date(2026, 3, 1), date(2026, 3, 31), BERLIN)
LABELS = Labels(
    headers={
        "reference": "Aktenzeichen",
        "created_at": "Eingang",
        "status": "Status",
        "advisor": "Berater*in",
    },
    values={"accepted": "angenommen", "submitted": "eingegangen", "online": "online", "festival": "Fest"},
    locale="de",
)


@dataclass
class Seeded:
    db: Database
    references: list[str]


@pytest.fixture
async def seeded(database_url: str) -> AsyncIterator[Seeded]:
    async with migrated(database_url) as db:
        async with db.transaction() as session:
            cora = await add_user(session, "Cora", [Role.COORDINATOR])
            contact = await add_user(session, "Jürgen")
            advisor = await add_advisor(
                session, "Ayşe Öztürk", languages=("tr", "ku"), kreise=("08416",), regierungsbezirke=("083",)
            )
            await add_advisor(session, "Ömer Weiß", linked=False, home_ags=None, active=False)
            first = await add_request(session, contact, languages=("tr", "ar"))
            first.contact_name, first.phone = "Jürgen Weiß-Müller", "+4970712041234"
            first.goals = '=HYPERLINK("http://example.org")'  # must never become a formula
            second = await add_request(session, contact, now=NOW + timedelta(days=3))
            await add_request(session, contact, now=datetime(2026, 4, 1, 10, 0, tzinfo=UTC))  # April
            result = await assign_and_accept(
                session, first.id, advisor.id, cora.id, NOW + timedelta(hours=2), audited=True
            )
            assert result.kind == offers.OfferOutcome.ACCEPTED
            assert advisor.user_id is not None
            talk = datetime(2026, 3, 30, 14, 30, tzinfo=BERLIN)  # CEST: 12:30 UTC
            proposed = await booking.propose(
                session, first.id, advisor.user_id, talk, NOW + timedelta(hours=3)
            )
            assert proposed.kind == booking.BookingOutcome.PROPOSED
        yield Seeded(db, [first.reference, second.reference])


async def test_requests_as_xlsx_with_typed_cells_in_berlin_time(seeded: Seeded) -> None:
    async with seeded.db.transaction() as session:
        table = await exports.requests_table(session, MARCH, BERLIN, LABELS, name="Anfragen März")
        advisors = await exports.advisors_table(session, MARCH, BERLIN, LABELS, name="Berater*innen")
    data = exports.to_xlsx([table, advisors])
    assert data.startswith(b"PK")  # a zip container, as every XLSX
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Anfragen März", "Berater·innen"]
    sheet = workbook["Anfragen März"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("Aktenzeichen", "Eingang", "Status", "place") and "Berater*in" in header
    assert len(rows) == 3  # the April request is not in March
    first = dict(zip(header, rows[1], strict=True))
    second = dict(zip(header, rows[2], strict=True))
    assert [first["Aktenzeichen"], second["Aktenzeichen"]] == seeded.references
    # NOW is 08:00 UTC, 09:00 in Berlin (CET); the cell holds the Berlin wall-clock time.
    assert first["Eingang"] == datetime(2026, 3, 2, 9, 0)
    assert sheet.cell(row=2, column=2).number_format == "DD.MM.YYYY HH:MM"
    assert first["kickoff_at"] == datetime(2026, 3, 30, 14, 30)  # after the switch to summer time
    assert first["Status"] == "angenommen" and second["Status"] == "eingegangen"
    assert first["place"] == "Tübingen" and first["kreis"] == "Landkreis Tübingen"
    assert first["regierungsbezirk"] == "Tübingen" and first["languages"] == "Türkisch, Arabisch"
    assert first["topics"] == "Fest" and first["Berater*in"] == "Ayşe Öztürk" and second["Berater*in"] is None
    assert first["contact_name"] == "Jürgen Weiß-Müller" and first["phone"] == "+4970712041234"
    assert first["kickoff_held"] is None  # proposed, not held yet
    goals = sheet.cell(row=2, column=header.index("goals") + 1)
    assert goals.value == '=HYPERLINK("http://example.org")' and goals.data_type == "s"
    people = list(workbook["Berater·innen"].iter_rows(values_only=True))
    by_name = {row[0]: dict(zip(people[0], row, strict=True)) for row in people[1:]}
    assert set(by_name) == {"Ayşe Öztürk", "Ömer Weiß"}
    ayse = by_name["Ayşe Öztürk"]
    assert ayse["languages"] == "Türkisch, Kurdisch" and ayse["kreise"] == "Landkreis Tübingen"
    assert ayse["regierungsbezirke"] == "Freiburg" and ayse["home"] == "Tübingen"
    assert (ayse["open_load"], ayse["requests_in_period"], ayse["active"]) == (1, 1, True)
    assert by_name["Ömer Weiß"]["active"] is False and by_name["Ömer Weiß"]["home"] is None


async def test_requests_as_csv_for_german_excel(seeded: Seeded) -> None:
    async with seeded.db.transaction() as session:
        table = await exports.requests_table(session, MARCH, BERLIN, LABELS)
    data = exports.to_csv(table, yes_no=("ja", "nein"))
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    assert b"\r\n" in data and "Jürgen".encode() in data
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert len(rows) == 3 and rows[0][:3] == ["Aktenzeichen", "Eingang", "Status"]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Eingang"] == "02.03.2026 09:00" and first["kickoff_at"] == "30.03.2026 14:30"
    assert first["contact_name"] == "Jürgen Weiß-Müller" and first["Berater*in"] == "Ayşe Öztürk"
    assert first["languages"] == "Türkisch, Arabisch" and first["kreis"] == "Landkreis Tübingen"
    # Formula-like text is defused for Excel; the value is still all there.
    assert first["phone"] == "'+4970712041234"
    assert first["goals"] == '\'=HYPERLINK("http://example.org")'
    assert dict(zip(rows[0], rows[2], strict=True))["kickoff_held"] == ""


def test_formula_like_text_stays_text() -> None:
    table = exports.Table(
        "T", ("a", "b", "c"), ("A", "B", "C"), [("=1+1", True, 2.5), ("-x", None, date(2026, 3, 1))]
    )
    rows = list(csv.reader(io.StringIO(exports.to_csv(table).decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[1:] == [["'=1+1", "ja", "2,5"], ["'-x", "", "01.03.2026"]]
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx([table]))).active
    assert sheet is not None
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value is True and sheet["C3"].value == datetime(2026, 3, 1)
