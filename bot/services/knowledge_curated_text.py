"""The text rules of chat-made knowledge-base entries: ids, questions, titles and answers.

They follow the content rules of ``bot/knowledge/README.md`` (plain one-line questions of at most
300 characters, titles of at most 60, answers as Telegram HTML without placeholders), so that an
entry made in the chat is shown like a reviewed one and ``export-knowledge`` writes files the
loader accepts.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence

from bot.services.knowledge_loader import TITLE_MAX

KEY_PREFIX = "team-"
TOPIC = "team"
SOURCE_TITLE = "MiGlobe-Programmteam"
_KEY = re.compile(r"^team-(\d{1,12})$")
_LINE_BREAKS = re.compile(r"\r\n|\r|[\u2028\u2029\x85]")
# Titles, questions and keywords are plain text: no tags and no placeholder braces.
_PLAIN = str.maketrans({"<": "‹", ">": "›", "{": "(", "}": ")"})


def key(entry_id: int) -> str:
    """The public entry id of a chat-made entry, e.g. ``team-3`` (a valid content id)."""
    return f"{KEY_PREFIX}{entry_id}"


def parse_key(value: str) -> int | None:
    """The database id behind ``team-3``, or None for any other id."""
    match = _KEY.match(value)
    return int(match.group(1)) if match else None


def clean(text: str) -> str:
    """Unified line breaks, tabs as spaces, no control or other characters YAML and Telegram refuse."""
    text = _LINE_BREAKS.sub("\n", text).replace("\t", "    ")
    return "".join(
        ch
        for ch in text
        if ch == "\n" or (unicodedata.category(ch) not in ("Cc", "Cs") and ch not in "\ufffe\uffff")
    )


def variant(text: str) -> str:
    """One way of asking as entries hold it: a single line of plain text."""
    return " ".join(clean(text).split()).translate(_PLAIN)


def variants(text: str) -> list[str]:
    """The ways of asking in a typed message, one per line, without blanks and repetitions."""
    found: list[str] = []
    for line in clean(text).split("\n"):
        value = variant(line)
        if value and value.casefold() not in {v.casefold() for v in found}:
            found.append(value)
    return found


def shortened(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending with "…" when cut: after the last whole word
    when one ends in the second half (a title reads "… zu uns…", not "… zu uns komme…")."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–") + "…"


def title(questions: Sequence[str]) -> str:
    """An entry side's title, shown above the answer and on buttons: its first question."""
    return shortened(questions[0], TITLE_MAX) if questions else "…"


def answer_html(text: str) -> str:
    """A typed answer as content HTML: escaped, braces as entities so they are never placeholders."""
    escaped = html.escape(clean(text).strip(), quote=False)
    return escaped.replace("{", "&#123;").replace("}", "&#125;")
