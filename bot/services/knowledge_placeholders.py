"""Placeholders in knowledge-base answers (``{contact_email}``) filled from the deployment's settings.

Contact details and settings are never written into the content; an answer names a placeholder and
the bot fills it when it shows the answer. :data:`bot.services.knowledge_checks.PLACEHOLDERS` lists
the names the loader accepts; :func:`placeholder_values` must give a value for each.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from bot.config import Settings
from bot.services.knowledge_checks import URL_PLACEHOLDERS
from bot.services.knowledge_model import Source

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def placeholder_values(settings: Settings) -> dict[str, str]:
    """The value of every placeholder in ``PLACEHOLDERS``, from the deployment's settings."""
    return {
        "contact_email": settings.contact_email,
        "contact_phone": settings.contact_phone,
        "privacy_url": settings.privacy_url,
        "draft_retention_days": str(settings.draft_retention_days),
        "offer_response_hours": hours_text(settings.offer_response_hours),
    }


def hours_text(hours: float) -> str:
    """A number of hours as an answer shows it: ``48`` for 48.0, ``1.5`` for 1.5 (never ``48.0``)."""
    return str(int(hours)) if float(hours).is_integer() else str(hours)


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace ``{placeholders}`` in Telegram HTML with HTML-escaped values (KeyError if one is missing)."""
    return PLACEHOLDER.sub(lambda m: html.escape(values[m.group(1)], quote=True), text)


def source_url(source: Source, values: Mapping[str, str]) -> str:
    """The source's URL with a URL placeholder (``{privacy_url}``) filled in, not escaped."""
    match = PLACEHOLDER.fullmatch(source.url)
    if match and match.group(1) in URL_PLACEHOLDERS:
        return values[match.group(1)]
    return source.url
