"""/export through the handlers: a coordinator chooses a period and a format and gets the file (XLSX
read back with openpyxl, CSV with the csv module), in their language; everybody else is refused."""

from __future__ import annotations

import base64
import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import openpyxl
from sqlalchemy import select

from models import AuditAction, CoordinatorAction, Role
from tests.harness import Harness, Sent, TelegramUser
from tests.intake_helpers import data_of
from tests.matching_helpers import add_advisor, add_request, add_user

BERLIN = ZoneInfo("Europe/Berlin")
GERMAN = TelegramUser(900, "Cora", "de")  # a configured coordinator (harness fixture)
ENGLISH = TelegramUser(900, "Cora", "en")
INVALID_DE = "Diese Schaltfläche ist nicht mehr gültig."
REFUSAL_EN = "This is only available to coordinators."
REFUSAL_DE = "Das steht nur der Koordination zur Verfügung."


def _today() -> date:
    return datetime.now(BERLIN).date()


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), BERLIN).astimezone(UTC)


async def _seed(h: Harness) -> dict[str, object]:
    """Requests 5 days ago (Schwäbisch Gmünd), in January of last year and three years ago, an
    advisor with umlauts; returns their references and the advisor's Telegram id."""
    today = _today()
    async with h.runtime.db.transaction() as session:
        contact = await add_user(session, "Jürgen")
        advisor = await add_advisor(session, "Jürgen Weiß", languages=("tr", "ar"))
        recent = await add_request(session, contact, now=_noon(today - timedelta(days=5)))
        recent.place_name, recent.contact_name = "Schwäbisch Gmünd", "Jürgen Weiß-Müller"
        last_year = await add_request(session, contact, now=_noon(date(today.year - 1, 1, 15)))
        last_year.place_name = "Öhringen"
        old = await add_request(session, contact, now=_noon(date(today.year - 3, 6, 1)))
        assert advisor.user_id is not None
        advisor_user = await session.get(type(contact), advisor.user_id)
        assert advisor_user is not None
        return {
            "recent": recent.reference,
            "last_year": last_year.reference,
            "old": old.reference,
            "advisor_chat": advisor_user.telegram_id,
        }


def _documents(sent: list[Sent]) -> list[tuple[str, bytes, str]]:
    """(filename, content, caption) of every document queued."""
    return [
        (
            s.payload["document"]["filename"],
            base64.b64decode(s.payload["document"]["content_b64"]),
            s.payload["caption"],
        )
        for s in sent
        if s.method == "sendDocument"
    ]


def _csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


async def test_german_coordinator_gets_a_workbook_of_the_last_30_days(harness: Harness) -> None:
    seeded = await _seed(harness)
    [chooser] = await harness.text(GERMAN, "/export")
    assert "Welcher Zeitraum?" in chooser.text and "/export 2026" in chooser.text
    assert [d for _t, d in chooser.buttons] == ["ex:p:30", "ex:p:12m", "ex:p:ty", "ex:p:ly", "ex:p:all"]
    [formats] = await harness.press(GERMAN, data_of(chooser, "Letzte 30 Tage"))
    assert formats.method == "editMessageText" and "Welches Format?" in formats.text
    first, last = _today() - timedelta(days=29), _today()
    xlsx = data_of(formats, "Excel")
    assert xlsx == f"ex:f:xlsx:{first:%Y%m%d}:{last:%Y%m%d}"
    sent = await harness.press(GERMAN, xlsx)
    [(filename, content, caption)] = _documents(sent)
    assert filename == f"miglobe-anfragen-{first.isoformat()}_{last.isoformat()}.xlsx"
    assert "1 Anfrage" in caption and "1 Berater*in" in caption
    assert harness.answered_callbacks()[-1]["text"] == "Die Datei ist unterwegs."
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Anfragen", "Berater·innen"]
    rows = list(workbook["Anfragen"].iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("Aktenzeichen", "Eingegangen am", "Status", "Kommune")
    assert "Berater*in" in header and "Ansprechperson" in header and "Auftaktgespräch stattgefunden" in header
    assert len(rows) == 2  # only the request of 5 days ago
    request = dict(zip(header, rows[1], strict=True))
    assert request["Aktenzeichen"] == seeded["recent"] and request["Status"] == "eingegangen"
    assert request["Kommune"] == "Schwäbisch Gmünd" and request["Ansprechperson"] == "Jürgen Weiß-Müller"
    assert request["Sprachen"] == "Türkisch" and request["Format"] == "Online"
    assert request["Themen"] == "Faire Woche oder interkulturelles Fest mit migrantischen Akteur*innen"
    assert isinstance(request["Eingegangen am"], datetime)
    people = list(workbook["Berater·innen"].iter_rows(values_only=True))
    assert people[0][:2] == ("Name", "Sprachen") and "Aktiv" in people[0]
    advisor = dict(zip(people[0], people[1], strict=True))
    assert advisor["Name"] == "Jürgen Weiß" and advisor["Sprachen"] == "Türkisch, Arabisch"
    assert advisor["Aktiv"] is True
    async with harness.runtime.db.transaction() as session:
        [action] = list(await session.scalars(select(CoordinatorAction)))
    assert action.action == AuditAction.EXPORT and action.details["format"] == "xlsx"
    assert action.details["from"].startswith((first - timedelta(days=1)).isoformat()[:8])


async def test_english_coordinator_gets_two_csv_files_of_last_year(harness: Harness) -> None:
    seeded = await _seed(harness)
    [chooser] = await harness.text(ENGLISH, "/export")
    assert "Which period?" in chooser.text
    [formats] = await harness.press(ENGLISH, data_of(chooser, "Last year"))
    year = _today().year - 1
    sent = await harness.press(ENGLISH, data_of(formats, "CSV"))
    documents = _documents(sent)
    assert [name for name, _c, _t in documents] == [
        f"miglobe-requests-{year}-01-01_{year}-12-31.csv",
        f"miglobe-advisors-{year}-01-01_{year}-12-31.csv",
    ]
    requests = _csv_rows(documents[0][1])
    assert b"\r\n" in documents[0][1] and "1 request" in documents[0][2]
    assert requests[0][:4] == ["Reference", "Received on", "Status", "Municipality"]
    assert len(requests) == 2
    row = dict(zip(requests[0], requests[1], strict=True))
    assert row["Reference"] == seeded["last_year"] and row["Municipality"] == "Öhringen"
    assert row["Received on"] == f"15.01.{year} 12:00" and row["Status"] == "received"
    assert row["Languages"] == "Turkish" and row["Kickoff talk held"] == ""
    advisors = _csv_rows(documents[1][1])
    assert advisors[0][:2] == ["Name", "Languages"] and "1 advisor" in documents[1][2]
    advisor = dict(zip(advisors[0], advisors[1], strict=True))
    assert advisor["Name"] == "Jürgen Weiß" and advisor["Active"] == "Yes"


async def test_typed_periods_and_all_time(harness: Harness) -> None:
    seeded = await _seed(harness)
    year = _today().year - 3
    [formats] = await harness.text(GERMAN, f"/export 01.01.{year} 31.12.{year}")
    assert "Welches Format?" in formats.text
    [(_name, content, _caption)] = _documents(await harness.press(GERMAN, data_of(formats, "CSV")))[:1]
    rows = _csv_rows(content)
    assert [r[0] for r in rows[1:]] == [seeded["old"]] and rows[0][0] == "Aktenzeichen"
    # A year, and dates the other way round with a dash between them.
    [formats] = await harness.text(GERMAN, f"/export {year}")
    assert data_of(formats, "Excel") == f"ex:f:xlsx:{year}0101:{year}1231"
    [formats] = await harness.text(GERMAN, f"/export {year}-12-31 – {year}-01-01")
    assert data_of(formats, "Excel") == f"ex:f:xlsx:{year}0101:{year}1231"
    # All time: from the first request to today, every request.
    [chooser] = await harness.text(GERMAN, "/export")
    [formats] = await harness.press(GERMAN, data_of(chooser, "Gesamter Zeitraum"))
    assert data_of(formats, "Excel") == f"ex:f:xlsx:{year}0601:{_today():%Y%m%d}"
    [(_name, content, caption)] = _documents(await harness.press(GERMAN, data_of(formats, "Excel")))
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Anfragen"]
    references = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert references == [seeded["old"], seeded["last_year"], seeded["recent"]]
    assert "3 Anfragen" in caption
    # Back to the periods from the format choice.
    [back] = await harness.press(GERMAN, data_of(formats, "Anderer Zeitraum"))
    assert "Welcher Zeitraum?" in back.text


async def test_an_empty_period_still_gives_headers(harness: Harness) -> None:
    await _seed(harness)
    [formats] = await harness.text(ENGLISH, "/export 2001")
    [(name, content, caption)] = _documents(await harness.press(ENGLISH, data_of(formats, "Excel")))
    assert name == "miglobe-requests-2001-01-01_2001-12-31.xlsx"
    assert "No requests in this period." in caption
    rows = list(openpyxl.load_workbook(io.BytesIO(content))["Requests"].iter_rows(values_only=True))
    assert len(rows) == 1 and rows[0][0] == "Reference"
    documents = _documents(await harness.press(ENGLISH, data_of(formats, "CSV")))
    requests = _csv_rows(documents[0][1])
    assert len(requests) == 1 and requests[0][0] == "Reference"
    assert "No requests in this period." in documents[0][2]


async def test_typed_nonsense_gets_a_hint(harness: Harness) -> None:
    for typed in ("gestern", "32.01.2026 01.02.2026", "01.01.2026", "1999", "01.01.2026 und 02.02.2026"):
        [hint] = await harness.text(GERMAN, f"/export {typed}")
        assert "Diesen Zeitraum haben wir nicht verstanden." in hint.text, typed
        assert "/export 2026" in hint.text and not hint.buttons


async def test_contacts_advisors_and_forged_buttons_are_refused(harness: Harness) -> None:
    seeded = await _seed(harness)
    button = "ex:f:xlsx:20260101:20261231"
    # The advisor was stored in German (tests.matching_helpers.add_user).
    advisor = TelegramUser(int(str(seeded["advisor_chat"])), "Jürgen", "de")
    people = ((TelegramUser(501, "Ana", "en"), REFUSAL_EN), (advisor, REFUSAL_DE))
    for person, refused in people:
        [refusal] = await harness.text(person, "/export")
        assert refusal.text == refused
        assert await harness.press(person, button) == []
        answer = harness.answered_callbacks()[-1]
        assert answer["text"] == refused and answer["show_alert"] == "true"
        assert await harness.press(person, "ex:p:30") == []
    forged = (
        "ex:f:pdf:20260101:20261231",
        "ex:f:xlsx:20261301:20261231",
        "ex:f:xlsx:20261231:20260101",
        "ex:f:xlsx:18000101:20261231",
        "ex:f:xlsx:2026",
        "ex:f:csv",
        "ex:p:decade",
        "ex:zz",
        "ex:",
    )
    for data in forged:
        assert await harness.press(GERMAN, data) == [], data
        assert harness.answered_callbacks()[-1]["text"] == INVALID_DE, data


async def test_coordinator_role_from_the_database_counts(harness: Harness) -> None:
    # A coordinator made in the database (not by configuration) may export too.
    async with harness.runtime.db.transaction() as session:
        made = await add_user(session, "Kai", [Role.COORDINATOR])
        chat = made.telegram_id
    [chooser] = await harness.text(TelegramUser(chat, "Kai", "de"), "/export")
    assert [d for _t, d in chooser.buttons][:1] == ["ex:p:30"]
