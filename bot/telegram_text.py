"""Length as Telegram counts it: measure and shorten HTML texts on what the reader sees.

Telegram's limits (4,096 for a message, 1,024 for a caption) apply to the text after entity
parsing: tags removed, ``&lt;`` and friends one character each, counted in UTF-16 code units. The
escaped HTML of a text full of ``<&>`` is up to five times longer than what Telegram counts, so
limits must never be checked with ``len()`` of the HTML. Pure functions, no Telegram calls.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ELLIPSIS = "…"
# Telegram decodes only these named entities and every numeric one; any other "&" stays literal.
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});")
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")


@dataclass(frozen=True)
class Token:
    """A piece of Telegram HTML: one visible character (with its source), or a start or end tag."""

    kind: str  # "char", "open" or "close"
    source: str
    visible: str = ""
    tag: str = ""


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits (an emoji often counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def _tag_end(src: str, start: int) -> int:
    """The index just after the ``>`` closing the tag at ``start`` (quotes respected); -1 if none."""
    quote = ""
    for index in range(start + 1, len(src)):
        char = src[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == ">":
            return index + 1
    return -1


def tokens(src: str) -> list[Token]:
    """``src`` split the way Telegram's HTML parser reads it."""
    found: list[Token] = []
    index, size = 0, len(src)
    while index < size:
        char = src[index]
        if char == "&" and (entity := _ENTITY.match(src, index)):
            found.append(Token("char", entity.group(0), html.unescape(entity.group(0))))
            index = entity.end()
            continue
        name = _TAG_NAME.match(src, index) if char == "<" else None
        end = _tag_end(src, index) if name else -1
        if name and end > 0:
            kind = "close" if src[index + 1] == "/" else "open"
            found.append(Token(kind, src[index:end], tag=name.group(1).lower()))
            index = end
            continue
        found.append(Token("char", char, char))
        index += 1
    return found


def visible_text(src: str) -> str:
    """The text Telegram shows for the HTML ``src``: tags removed, entities decoded."""
    return "".join(t.visible for t in tokens(src))


def visible_length(src: str) -> int:
    """The length Telegram's limits apply to: UTF-16 code units of the visible text."""
    return utf16_length(visible_text(src))


def fit_html(src: str, limit: int = TEXT_LIMIT) -> str:
    """``src`` unchanged if it fits ``limit``; else cut on the visible text, ending with "…", with
    every tag still open closed again (so the result stays valid for Telegram)."""
    if limit < utf16_length(ELLIPSIS):
        raise ValueError("limit too small for any text")
    if visible_length(src) <= limit:
        return src
    budget = limit - utf16_length(ELLIPSIS)
    kept: list[Token] = []
    used = 0
    for token in tokens(src):
        if token.kind == "char":
            width = utf16_length(token.visible)
            if used + width > budget:
                break
            used += width
        kept.append(token)
    # No trailing blanks before the "…", and no tag opened just to hold nothing but it.
    while kept and (kept[-1].kind == "open" or (kept[-1].kind == "char" and kept[-1].visible.isspace())):
        kept.pop()
    stack: list[str] = []
    for token in kept:
        if token.kind == "open":
            stack.append(token.tag)
        elif token.kind == "close" and token.tag in stack:
            # Telegram requires proper nesting; for valid input this is always the innermost tag.
            del stack[len(stack) - 1 - stack[::-1].index(token.tag)]
    closing = "".join(f"</{tag}>" for tag in reversed(stack))
    return "".join(t.source for t in kept) + ELLIPSIS + closing


def clip(text: str, limit: int) -> str:
    """Plain ``text`` cut to at most ``limit`` UTF-16 code units, ending with "…" when cut."""
    if utf16_length(text) <= limit:
        return text
    budget = limit - utf16_length(ELLIPSIS)
    out, used = [], 0
    for char in text:
        width = utf16_length(char)
        if used + width > budget:
            break
        out.append(char)
        used += width
    return "".join(out).rstrip() + ELLIPSIS


def shown(text: str, limit: int) -> str:
    """User-typed ``text`` for an HTML message: at most ``limit`` visible characters, escaped."""
    return html.escape(clip(text, limit))


def split_escaped(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Plain ``text`` escaped and cut into pieces of at most ``limit`` visible characters each
    (never inside an entity), for a long text sent as several messages."""
    pieces, current, used = [], [], 0
    for char in text:
        width = utf16_length(char)
        if current and used + width > limit:
            pieces.append("".join(current))
            current, used = [], 0
        current.append(html.escape(char))
        used += width
    if current:
        pieces.append("".join(current))
    return pieces


# Telegram's apps show an inline button's label on one line and cut the rest without a mark; 32
# characters fit a phone held upright. Counted in Python characters (code points): a flag or an
# emoji with a variation selector (“↩️”) counts two, which errs on the short side.
BUTTON_LIMIT = 32
# Long words in place names, written short (as offices do) on a button that would otherwise be cut.
BUTTON_ABBREVIATIONS = (("Landkreis ", "Lkr. "), ("Regierungsbezirk ", "RB "), ("im Breisgau", "i. Br."))
# Characters after which a label may be cut (besides spaces), and those dropped before the "…".
_BREAK_AFTER = "-/"
_TRAILING = " ,;:·–—-/|(" + "\u00a0"


def button_label(text: str, limit: int = BUTTON_LIMIT) -> str:
    """``text`` as an inline button shows it whole: unchanged if it has at most ``limit`` characters,
    else with long place words abbreviated and, if still too long, cut after the last whole word
    that fits, ending with "…". Cut inside a word only when the first word alone is too long."""
    if len(text) <= limit:
        return text
    for long, short in BUTTON_ABBREVIATIONS:
        text = text.replace(long, short)
    if len(text) <= limit:
        return text
    budget = limit - len(ELLIPSIS)
    # The last place within budget where a word ends: before a space, or after a hyphen or slash.
    cut = max(
        (i for i in range(1, budget + 1) if text[i].isspace() or text[i - 1] in _BREAK_AFTER),
        default=0,
    )
    kept = text[:cut].rstrip(_TRAILING) if cut else ""
    # A bare abbreviation of a word that leads a name ("… · Lkr.…") says nothing: drop it too.
    for _long, short in BUTTON_ABBREVIATIONS:
        if short.endswith(" ") and kept.endswith(" " + short.strip()):
            kept = kept[: -len(short.strip())].rstrip(_TRAILING)
    if not kept:
        kept = text[:budget].rstrip(_TRAILING)
    return kept + ELLIPSIS
