"""Translations (Babel gettext catalogs under ``locales/``), localized dates and language names.

Catalogs are compiled in memory at start-up from the ``.po`` files, so no stale ``.mo`` can ship.
The locale is always passed explicitly; nothing is kept in a context variable between updates.

Dates: German keeps Babel's formats ("03.12.2026, 11:43"). English uses day-month-year with the
month's name and a 24-hour clock ("3 Dec 2026, 11:43") instead of Babel's US formats
("12/3/26, 11:43 AM"), which readers outside the US take for the 12th of March.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_time as babel_format_time
from babel.dates import get_month_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from bot.config import SUPPORTED_LOCALES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
# Babel's named formats replaced per locale (CLDR patterns); the rest stay Babel's.
_DATE_FORMATS = {"en": {"short": "d MMM y", "medium": "d MMM y"}}
_DATETIME_FORMATS = {"en": {"short": "d MMM y, HH:mm", "medium": "d MMM y, HH:mm"}}
_TIME_FORMATS = {"en": {"short": "HH:mm", "medium": "HH:mm:ss"}}
_WRITTEN_DATE = re.compile(r"^(\d{1,2})\.?\s+(\w+)\.?,?\s+(\d{4})$")


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (translate at send time)."""
    return message


def normalize_locale(language_code: str | None, default: str = "de") -> str:
    """Map Telegram's ``language_code`` (e.g. ``en-GB``) to a supported locale."""
    if language_code:
        base = language_code.replace("_", "-").split("-")[0].lower()
        if base in SUPPORTED_LOCALES:
            return base
    return default


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalog for ``locale`` (cached for the process)."""
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def translate(locale: str, message: str) -> str:
    """Translate ``message`` into ``locale``."""
    return translations(locale).gettext(message)


def translate_plural(locale: str, singular: str, plural: str, count: int) -> str:
    """Translate a message with a plural form chosen by ``count``."""
    return translations(locale).ngettext(singular, plural, count)


def format_datetime(moment: datetime, locale: str, tz: ZoneInfo, fmt: str = "medium") -> str:
    """Format an aware datetime for ``locale`` in the time zone ``tz`` (a named format or a pattern)."""
    pattern = _DATETIME_FORMATS.get(locale, {}).get(fmt, fmt)
    return babel_format_datetime(moment, format=pattern, tzinfo=tz, locale=locale)


def format_date(moment: datetime, locale: str, tz: ZoneInfo, fmt: str = "full") -> str:
    """Format the calendar date of an aware datetime for ``locale`` in ``tz``."""
    pattern = _DATE_FORMATS.get(locale, {}).get(fmt, fmt)
    return babel_format_date(moment.astimezone(tz).date(), format=pattern, locale=locale)


def format_time(moment: datetime, locale: str, tz: ZoneInfo, fmt: str = "short") -> str:
    """Format the time of day of an aware datetime for ``locale`` in ``tz`` (English: 24-hour)."""
    pattern = _TIME_FORMATS.get(locale, {}).get(fmt, fmt)
    return babel_format_time(moment.astimezone(tz), format=pattern, locale=locale)


def parse_written_date(text: str, locale: str) -> date | None:
    """A date written with the month's name as :func:`format_date` shows it ("3 Dec 2026",
    "3 December 2026", "3. Dez. 2026"), so a date a button shows can be typed back; else None."""
    found = _WRITTEN_DATE.match(text.strip())
    if found is None:
        return None
    word = found.group(2).casefold().rstrip(".")
    for width in ("abbreviated", "wide"):
        for number, name in get_month_names(width, locale=locale).items():
            if name.casefold().rstrip(".") == word:
                try:
                    return date(int(found.group(3)), number, int(found.group(1)))
                except ValueError:
                    return None
    return None


def language_name(code: str, locale: str) -> str:
    """The name of the language ``code`` in ``locale`` (``tr`` in ``de`` → "Türkisch")."""
    name = Locale.parse(locale).languages.get(code)
    return name[:1].upper() + name[1:] if name else code


def native_language_name(locale: str) -> str:
    """The language's own name (for the language switch: "Deutsch", "English")."""
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]
