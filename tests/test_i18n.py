"""Catalogs: complete in German and English, up to date with the code, placeholders and tags intact."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot import i18n
from bot.config import SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
TAG = re.compile(r"</?[a-z-]+")


def _catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    return _catalog(pot)


def _ids(catalog: Catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_is_up_to_date_with_the_code(extracted: Catalog, locale: str) -> None:
    catalog = _catalog(ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po", locale)
    missing = _ids(extracted) - _ids(catalog)
    obsolete = _ids(catalog) - _ids(extracted)
    assert not missing, (
        f"run the catalog update (README, Translations); missing in {locale}: {sorted(missing)}"
    )
    assert not obsolete, f"obsolete entries in {locale}: {sorted(obsolete)}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_is_complete_and_consistent(locale: str) -> None:
    catalog = _catalog(ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po", locale)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if not all(strings) or message.fuzzy:
            problems.append(f"untranslated or fuzzy: {ids[0]!r}")
            continue
        for text in strings:
            if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(ids[0])):
                problems.append(f"placeholders differ: {ids[0]!r}")
            if sorted(TAG.findall(text)) != sorted(TAG.findall(ids[0])):
                problems.append(f"HTML tags differ: {ids[0]!r}")
    assert not problems, "\n".join(problems)


def test_german_catalog_really_translates() -> None:
    assert i18n.translate("de", "Main menu") == "Hauptmenü"
    assert i18n.translate("en", "Main menu") == "Main menu"


def test_dates_are_formatted_for_the_locale_in_berlin_time() -> None:
    moment = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 March in Berlin
    tz = i18n.ZoneInfo("Europe/Berlin")
    assert i18n.format_datetime(moment, "de", tz) == "02.03.2026, 00:30:00"
    assert i18n.format_datetime(moment, "en", tz) == "2 Mar 2026, 00:30"
    assert i18n.format_date(moment, "de", tz) == "Montag, 2. März 2026"


def test_language_names_come_from_babel() -> None:
    assert i18n.language_name("tr", "de") == "Türkisch"
    assert i18n.language_name("tr", "en") == "Turkish"
    assert i18n.language_name("ar", "de") == "Arabisch"
    assert i18n.native_language_name("de") == "Deutsch"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("de", "de"), ("de-AT", "de"), ("en_US", "en"), ("EN", "en"), ("tr", "de"), (None, "de")],
)
def test_normalize_locale(code: str | None, expected: str) -> None:
    assert i18n.normalize_locale(code) == expected
