"""Requests and advisors of a period as spreadsheets that open correctly in German Excel.

Tables are built once (times already in the programme's time zone) and written as XLSX (typed
cells, German date format) or as CSV with ``;``, UTF-8 with BOM (without it Excel reads the umlauts
as Latin-1) and CRLF. Column headers come from the caller, already translated.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.regions import get_registry
from bot.services.funnel_stats import Period
from bot.services.geography import regierungsbezirk_key, regierungsbezirk_names
from bot.services.matching_data import open_loads
from models import HOLDING_STATUSES, Advisor, Booking, KickoffRequest, Offer

Cell = str | int | float | bool | datetime | date | None
REQUEST_COLUMNS = (
    "reference", "created_at", "status", "place", "kreis", "regierungsbezirk", "languages", "topics",
    "goals", "meeting_format", "advisor", "kickoff_at", "kickoff_held", "consultation", "contact_name",
    "contact_role", "email", "phone", "updated_at",
)  # fmt: skip
ADVISOR_COLUMNS = (
    "name", "languages", "kreise", "regierungsbezirke", "home", "capacity", "open_load", "active",
    "paused_until", "requests_in_period", "created_at",
)  # fmt: skip
# A text starting like a formula would run as one when the CSV is opened (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT, DATE_FORMAT = "%d.%m.%Y %H:%M", "%d.%m.%Y"
_SHEET_CHARS = str.maketrans({"*": "·", ":": "·", "[": "(", "]": ")", "?": "_", "/": "-", "\\": "-"})
XLSX_DATETIME, XLSX_DATE = "DD.MM.YYYY HH:MM", "DD.MM.YYYY"


@dataclass(frozen=True)
class Table:
    """One sheet: a name, column keys, their headers, and rows of cells in column order."""

    name: str
    columns: tuple[str, ...]
    headers: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    """A moment as wall-clock time in the programme's zone, for spreadsheets."""
    # Spreadsheets know no time zones: the wall-clock time in the programme's zone is what readers expect.
    return moment.astimezone(tz).replace(tzinfo=None) if moment is not None else None


def _kreis_name(kreis_ags: str) -> str:
    """A Kreis's display name (its AGS when unknown)."""
    kreis = get_registry().kreis(kreis_ags)
    return kreis.display_name if kreis else kreis_ags


@dataclass(frozen=True)
class Labels:
    """What the reader sees instead of codes: column headers by column key, names of statuses,
    formats and topics by their key, and the locale whose language names replace language codes."""

    headers: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, str] = field(default_factory=dict)
    locale: str = "de"

    def value(self, code: str | None) -> str | None:
        """The name of a status, format or topic key (the key itself when none is given)."""
        return None if code is None else self.values.get(code, code)

    def languages(self, codes: Sequence[str] | None) -> str:
        """Language codes as names in the reader's language: "tr, ar" → "Türkisch, Arabisch"."""
        names = Locale.parse(self.locale).languages
        return ", ".join(names.get(code, code) for code in codes or ())


def _headers(columns: tuple[str, ...], labels: Labels) -> tuple[str, ...]:
    """The column headers in the reader's language."""
    return tuple(labels.headers.get(c, c) for c in columns)


async def requests_table(
    session: AsyncSession, period: Period, tz: ZoneInfo, labels: Labels | None = None, name: str = "Requests"
) -> Table:
    """Requests created in ``period``, oldest first, with advisor and kickoff."""
    labels = labels or Labels()
    requests = list(
        await session.scalars(
            select(KickoffRequest)
            .where(KickoffRequest.created_at >= period.start, KickoffRequest.created_at < period.end)
            .order_by(KickoffRequest.created_at, KickoffRequest.id)
        )
    )
    ids = [r.id for r in requests]
    holders = dict(
        (
            await session.execute(
                select(Offer.request_id, Advisor.display_name)
                .join(Advisor, Advisor.id == Offer.advisor_id)
                .where(Offer.request_id.in_(ids), Offer.status.in_(HOLDING_STATUSES))
                .order_by(Offer.id)
            )
        )
        .tuples()
        .all()
    )
    talks = {
        b.request_id: b for b in await session.scalars(select(Booking).where(Booking.request_id.in_(ids)))
    }
    bezirke = regierungsbezirk_names()
    rows: list[tuple[Cell, ...]] = []
    for r in requests:
        talk = talks.get(r.id)
        rows.append(
            (
                r.reference,
                _local(r.created_at, tz),
                labels.value(r.status),
                r.place_name,
                _kreis_name(r.kreis_ags),
                bezirke.get(regierungsbezirk_key(r.kreis_ags), ""),
                labels.languages(r.languages),
                # The contact's own words for "other" follow the chosen topics.
                ", ".join(
                    [
                        *(labels.value(t) or "" for t in r.topics or ()),
                        *([r.topic_other] if r.topic_other else []),
                    ]
                ),
                r.goals,
                labels.value(r.meeting_format),
                holders.get(r.id),
                _local(talk.starts_at, tz) if talk else None,
                talk.held if talk else None,
                talk.consultation_agreed if talk else None,
                r.contact_name,
                r.contact_role,
                r.email,
                r.phone,
                _local(r.updated_at, tz),
            )
        )
    return Table(name, REQUEST_COLUMNS, _headers(REQUEST_COLUMNS, labels), rows)


async def advisors_table(
    session: AsyncSession, period: Period, tz: ZoneInfo, labels: Labels | None = None, name: str = "Advisors"
) -> Table:
    """Every advisor profile with area, load now and how many requests they took in ``period``."""
    labels = labels or Labels()
    advisors = list(await session.scalars(select(Advisor).order_by(Advisor.display_name, Advisor.id)))
    loads = await open_loads(session)
    taken: dict[int, int] = {}
    for offer in await session.scalars(
        select(Offer).where(
            Offer.status.in_(HOLDING_STATUSES),
            Offer.decided_at >= period.start,
            Offer.decided_at < period.end,
        )
    ):
        taken[offer.advisor_id] = taken.get(offer.advisor_id, 0) + 1
    bezirke = regierungsbezirk_names()
    rows: list[tuple[Cell, ...]] = []
    for a in advisors:
        home = get_registry().gemeinde(a.home_ags) if a.home_ags else None
        rows.append(
            (
                a.display_name,
                labels.languages(a.languages),
                ", ".join(_kreis_name(k) for k in a.kreise or ()),
                ", ".join(bezirke.get(k, k) for k in a.regierungsbezirke or ()),
                home.name if home else None,
                a.capacity,
                loads.get(a.id, 0),
                a.active,
                _local(a.paused_until, tz),
                taken.get(a.id, 0),
                _local(a.created_at, tz),
            )
        )
    return Table(name, ADVISOR_COLUMNS, _headers(ADVISOR_COLUMNS, labels), rows)


def _csv_cell(value: Cell, yes_no: tuple[str, str]) -> str:
    """A value as a CSV cell shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no[0] if value else yes_no[1]
    if isinstance(value, datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, float):
        return f"{value}".replace(".", ",")  # German decimal comma
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(table: Table, yes_no: tuple[str, str] = ("ja", "nein")) -> bytes:
    """The table as CSV for German Excel: ``;``, UTF-8 with BOM, CRLF, dates as 31.12.2026 14:30."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_csv_cell(value, yes_no) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def sheet_title(name: str) -> str:
    """A valid sheet name: at most 31 characters, none of ``[]:*?/\\`` (a gender star or colon, as
    in "Berater*innen", becomes the gender dot "·")."""
    cleaned = name.translate(_SHEET_CHARS).strip("'") or "Sheet"
    return cleaned[:31]


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """The tables as one workbook, a sheet each, with typed cells and German date formats."""
    # Imported at the first export: 8 MB a bot holds for good once it has loaded them.
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for table in tables:
        sheet = workbook.create_sheet(title=sheet_title(table.name))
        sheet.append(list(table.headers))
        for row in table.rows:
            sheet.append(list(row))
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, datetime):
                    cell.number_format = XLSX_DATETIME
                elif isinstance(cell.value, date):
                    cell.number_format = XLSX_DATE
                elif cell.data_type == "f":
                    cell.data_type = "s"  # text that looks like a formula stays text
        sheet.freeze_panes = "A2"
        for index, header in enumerate(table.headers, start=1):
            width = max([len(str(header)), *(len(str(r[index - 1] or "")) for r in table.rows[:200])])
            sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, width + 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
