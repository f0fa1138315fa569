"""Bulk import of an advisor pool from CSV: one prefilled profile and one invitation per row.

Columns (header names in English or German, any order): ``name``, ``languages``/``Sprachen``,
``area``/``Gebiet`` (Kreise or Regierungsbezirke), ``home``/``Wohnort``, ``topics``/``Themen``,
``capacity``/``Kapazität``; only ``name`` and ``languages`` are required. Cells hold lists
separated by ``,`` ``;`` or ``|`` (quote a cell that contains the file's delimiter). The file is
``;``- or ``,``-separated, UTF-8 with or without BOM. All or nothing: one bad row imports nothing,
so a corrected file can simply be imported again.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import invitations
from bot.services.advisors import DEFAULT_CAPACITY, ProfileError, ProfileFields, validate
from bot.services.profile_values import (
    ValueProblem,
    resolve_area,
    resolve_home,
    resolve_languages,
    resolve_topics,
)
from models import Advisor

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "anzeigename", "displayname"),
    "languages": ("languages", "language", "sprachen", "sprache"),
    "area": ("area", "servedarea", "kreise", "regierungsbezirke", "gebiet", "einsatzgebiet", "regionen"),
    "home": ("home", "homemunicipality", "wohnort", "heimatgemeinde", "gemeinde"),
    "topics": ("topics", "themen"),
    "capacity": ("capacity", "kapazitaet", "kapazitat"),
}
REQUIRED = ("name", "languages")
T = TypeVar("T")
_FIELD_COLUMNS = {"display_name": "name", "home_ags": "home", "kreise": "area", "regierungsbezirke": "area"}
_HEADER_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@dataclass(frozen=True)
class RowError:
    """One problem, at a line of the file (1 = the header) and in a column."""

    line: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        """The error as the import prints it: line, column, value and message."""
        shown = f" “{self.value}”" if self.value else ""
        return f"line {self.line}, {self.column}{shown}: {self.message}"


@dataclass(frozen=True)
class ParsedRow:
    """A valid row: its line and the profile it describes."""

    line: int
    fields: ProfileFields


@dataclass(frozen=True)
class ImportedInvitation:
    """A profile created by the import and the invitation that links it to its person."""

    line: int
    name: str
    advisor_id: int
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class ImportResult:
    """Either invitations (nothing wrong) or errors (nothing stored)."""

    invitations: tuple[ImportedInvitation, ...]
    errors: tuple[RowError, ...]


def _text(data: bytes | str) -> str:
    """The CSV file's text without a byte-order mark."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    return text.removeprefix("\ufeff")


def _delimiter(text: str) -> str:
    """The file's delimiter: semicolon (as German Excel writes) or comma."""
    header = text.splitlines()[0] if text else ""
    return ";" if header.count(";") > header.count(",") else ","


def _column_of(header: str) -> str | None:
    """The column a header cell names, None when unknown."""
    key = re.sub(r"[^a-z0-9]", "", header.strip().lower().translate(_HEADER_FOLD))
    return next((column for column, names in COLUMNS.items() if key in names), None)


def _header(cells: list[str]) -> tuple[dict[str, int], list[RowError]]:
    """The position of each known column, and errors for unknown ones."""
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for index, cell in enumerate(cells):
        column = _column_of(cell)
        if column is None:
            if cell.strip():
                errors.append(RowError(1, "header", cell, "unknown column"))
        elif column in positions:
            errors.append(RowError(1, "header", cell, "column given twice"))
        else:
            positions[column] = index
    errors += [RowError(1, "header", c, "required column missing") for c in REQUIRED if c not in positions]
    return positions, errors


def _shown(value: object) -> str:
    """A value as an error message shows it."""
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _capacity(value: str) -> int:
    """The advisor's capacity from its cell (the default when empty)."""
    if not value.strip():
        return DEFAULT_CAPACITY
    if not value.strip().isdigit():
        raise ValueProblem(value, "expected a whole number")
    return int(value)


def _attempt(
    errors: list[RowError], line: int, cells: dict[str, str], column: str, parse: Callable[[str], T]
) -> T | None:
    """Parse one cell, recording its problem as a row error."""
    try:
        return parse(cells.get(column, ""))
    except ValueProblem as problem:
        errors.append(RowError(line, column, problem.value, problem.message))
        return None


def _row(line: int, cells: dict[str, str]) -> tuple[ParsedRow | None, list[RowError]]:
    """One CSV row as profile fields, or its errors."""
    errors: list[RowError] = []
    kreise, bezirke = _attempt(errors, line, cells, "area", resolve_area) or ([], [])
    fields = ProfileFields(
        display_name=cells.get("name", ""),
        languages=_attempt(errors, line, cells, "languages", resolve_languages),
        kreise=kreise,
        regierungsbezirke=bezirke,
        home_ags=_attempt(errors, line, cells, "home", resolve_home) or "",
        topics=_attempt(errors, line, cells, "topics", resolve_topics),
        capacity=_attempt(errors, line, cells, "capacity", _capacity),
    )
    if fields.languages == []:
        errors.append(RowError(line, "languages", "", "at least one language is needed"))
    # Each field on its own, so that every problem of the row is reported at once.
    for name in (
        "display_name",
        "languages",
        "kreise",
        "regierungsbezirke",
        "home_ags",
        "topics",
        "capacity",
    ):
        try:
            validate(ProfileFields(**{name: getattr(fields, name)}))
        except ProfileError as problem:
            column = _FIELD_COLUMNS.get(problem.field, problem.field)
            errors.append(RowError(line, column, _shown(problem.value), problem.message))
    return (None if errors else ParsedRow(line, fields)), errors


def parse(data: bytes | str) -> tuple[list[ParsedRow], list[RowError]]:
    """Read and check every row (no database); rows with problems are reported, not returned."""
    text = _text(data)
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    header = next(reader, None)
    if header is None:
        return [], [RowError(1, "header", "", "the file is empty")]
    positions, errors = _header(header)
    if errors:
        return [], errors
    rows: list[ParsedRow] = []
    start = reader.line_num
    for cells in reader:
        line, start = start + 1, reader.line_num  # the line where this record begins
        if not any(c.strip() for c in cells):
            continue
        values = {column: cells[i].strip() if i < len(cells) else "" for column, i in positions.items()}
        row, row_errors = _row(line, values)
        errors += row_errors
        if row is not None:
            rows.append(row)
    return rows, errors


def _name_key(name: str) -> str:
    """A name as duplicates are compared (spaces and case folded)."""
    return " ".join(name.split()).casefold()


async def _duplicates(session: AsyncSession, rows: list[ParsedRow]) -> list[RowError]:
    """Errors for names that appear twice in the file or already exist."""
    # Compared in Python: SQLite's lower() folds ASCII only ("Ó" stays "Ó").
    existing = {_name_key(name) for name in await session.scalars(select(Advisor.display_name))}
    seen: dict[str, int] = {}
    errors: list[RowError] = []
    for row in rows:
        name = (row.fields.display_name or "").strip()
        key = _name_key(name)
        if key in existing:
            errors.append(RowError(row.line, "name", name, "an advisor with this name exists already"))
        elif key in seen:
            errors.append(RowError(row.line, "name", name, f"same name as line {seen[key]}"))
        seen.setdefault(key, row.line)
    return errors


async def import_csv(
    session: AsyncSession, data: bytes | str, created_by_user_id: int | None, now: datetime
) -> ImportResult:
    """Create a prefilled profile and an invitation per row, or nothing when any row is wrong."""
    rows, errors = parse(data)
    errors += await _duplicates(session, rows)
    if errors:
        return ImportResult((), tuple(sorted(errors, key=lambda e: e.line)))
    created: list[ImportedInvitation] = []
    for row in rows:
        advisor = Advisor(**validate(row.fields), user_id=None, active=True, created_at=now, updated_at=now)
        session.add(advisor)
        await session.flush()
        invitation = await invitations.create(session, created_by_user_id, now, advisor_id=advisor.id)
        created.append(
            ImportedInvitation(
                row.line, advisor.display_name, advisor.id, invitation.token, invitation.expires_at
            )
        )
    return ImportResult(tuple(created), ())
