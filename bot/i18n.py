"""Translations (Babel gettext catalogs under ``locales/``), localized dates and language names.

Catalogs are compiled in memory at start-up from the ``.po`` files, so no stale ``.mo`` can ship.
The locale is always passed explicitly; nothing is kept in a context variable between updates.
"""

from __future__ import annotations

import io
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from bot.config import SUPPORTED_LOCALES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


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
    """Format an aware datetime for ``locale`` in the time zone ``tz``."""
    return babel_format_datetime(moment, format=fmt, tzinfo=tz, locale=locale)


def format_date(moment: datetime, locale: str, tz: ZoneInfo, fmt: str = "full") -> str:
    """Format the calendar date of an aware datetime for ``locale`` in ``tz``."""
    return babel_format_date(moment.astimezone(tz).date(), format=fmt, locale=locale)


def language_name(code: str, locale: str) -> str:
    """The name of the language ``code`` in ``locale`` (``tr`` in ``de`` → "Türkisch")."""
    name = Locale.parse(locale).languages.get(code)
    return name[:1].upper() + name[1:] if name else code


def native_language_name(locale: str) -> str:
    """The language's own name (for the language switch: "Deutsch", "English")."""
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]
