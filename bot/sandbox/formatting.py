"""Telegram's text rules: trimming, automatic entities and length limits of texts and captions.

Everything here mirrors what the Bot API server does before it stores a message, with Telegram's
error descriptions, so the bot meets the same 400 answers in the sandbox as in production. The
HTML parse mode lives in :mod:`~bot.sandbox.html_parse`, reply markup in :mod:`~bot.sandbox.markup`
and error answers in :mod:`~bot.sandbox.api_calls`.
"""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.api_calls import bad
from bot.sandbox.html_parse import parse_html, u16len

MAX_TEXT = 4096
MAX_CAPTION = 1024
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are"
    " exactly the same as a current content and reply markup of the message"
)
_COMMAND_RE = re.compile(r"(?<![\w/<>@])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>@])")
_URL_RE = re.compile(r"\bhttps?://[^\s<>\"']*[^\s<>\"'.,;:!?)\]]")


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip surrounding whitespace as Telegram does, keeping entities on their characters."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift, size = u16len(text[: len(text) - len(text.lstrip())]), u16len(stripped)
    kept = []
    for entity in entities:
        start = max(0, entity["offset"] - shift)
        end = min(size, entity["offset"] + entity["length"] - shift)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def auto_entities(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add the entities Telegram detects by itself (bot commands and URLs), sorted like Telegram."""
    taken = [
        (e["offset"], e["offset"] + e["length"])
        for e in entities
        if e["type"] in {"code", "pre", "text_link", "url", "bot_command"}
    ]
    found = []
    for kind, regex in (("bot_command", _COMMAND_RE), ("url", _URL_RE)):
        for m in regex.finditer(text):
            start, length = u16len(text[: m.start()]), u16len(m.group(0))
            if all(start + length <= a or start >= b for a, b in taken):
                found.append({"type": kind, "offset": start, "length": length})
                taken.append((start, start + length))
    return sorted(entities + found, key=lambda e: (e["offset"], -e["length"]))


def format_text(
    raw: Any, parse_mode: Any, entities: Any, *, caption: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """Turn a text/caption parameter into (text, entities), enforcing Telegram's limits."""
    text = "" if raw is None else str(raw)
    mode = str(parse_mode or "").lower()
    if mode == "html":
        text, found = parse_html(text)
    elif mode in {"", "markdown", "markdownv2"}:
        found = list(entities) if isinstance(entities, list) else []
    else:
        raise bad("unsupported parse_mode")
    text, found = _trim(text, found)
    if caption and len(text) > MAX_CAPTION:
        raise bad("message caption is too long")
    if not caption and not text:
        raise bad("message text is empty")
    if not caption and len(text) > MAX_TEXT:
        raise bad("message is too long")
    return text, auto_entities(text, found)
