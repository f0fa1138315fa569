"""Telegram's HTML parse mode: tags and HTML entities to plain text and MessageEntity objects.

It mirrors the Bot API server's parser, with its error descriptions and UTF-16 offsets.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from bot.sandbox.api_calls import ApiError, bad

TAG_ENTITY = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "a": "text_link", "code": "code", "pre": "pre", "tg-spoiler": "spoiler", "span": "spoiler",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}  # fmt: skip
LINK_SCHEMES = {"http", "https", "tg", "ton", "ftp", "mailto"}
_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});")


def u16len(text: str) -> int:
    """Length in UTF-16 code units: Telegram's entity offsets and lengths use this unit."""
    return len(text.encode("utf-16-le")) // 2


def _decode_entity(src: str, pos: int) -> tuple[str, int] | None:
    """Decode the HTML entity at ``src[pos]`` (only the ones Telegram knows), else None."""
    m = _ENTITY_RE.match(src, pos)
    if not m:
        return None  # Telegram keeps an unknown '&' literally
    char = html.unescape(m.group(0))
    return char, m.end()


def parse_html(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into plain text and entities; raise ApiError like Telegram does."""
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    i, n = 0, len(src)

    def fail(message: str) -> ApiError:
        """Build the parse error Telegram answers for malformed HTML."""
        return bad(f"can't parse entities: {message}")

    def at(p: int) -> int:  # Telegram reports byte offsets in UTF-8
        """Convert a character position into the UTF-8 byte offset Telegram reports."""
        return len(src[:p].encode())

    while i < n:
        c = src[i]
        decoded = _decode_entity(src, i) if c == "&" else None
        if decoded or c != "<":
            char, i = decoded if decoded else (c, i + 1)
            out.append(char)
            pos16 += u16len(char)
            continue
        begin, i = i, i + 1
        if i < n and src[i] == "/":
            if not stack:
                raise fail(f"Unexpected end tag at byte offset {at(begin)}")
            j = i + 1
            while j < n and not src[j].isspace() and src[j] != ">":
                j += 1
            name = src[i + 1 : j].lower()
            while j < n and src[j].isspace():
                j += 1
            if j >= n or src[j] != ">":
                raise fail(f"Unclosed end tag at byte offset {at(begin)}")
            tag, start, attrs = stack.pop()
            if name and name != tag:
                raise fail(
                    f'Unmatched end tag at byte offset {at(begin)}, expected "</{tag}>", found "</{name}>"'
                )
            i = j + 1
            lang = attrs.get("class", "")
            if tag == "code" and lang.startswith("language-") and stack and stack[-1][0] == "pre":
                stack[-1][2]["language"] = lang[len("language-") :]  # <pre><code class=…> → pre
            elif pos16 > start and (entity := _tag_entity(tag, start, pos16 - start, attrs)):
                entities.append(entity)
            continue
        j = i
        while j < n and not src[j].isspace() and src[j] != ">":
            j += 1
        if j >= n:
            raise fail(f"Unclosed start tag at byte offset {at(begin)}")
        tag = src[i:j].lower()
        if tag not in TAG_ENTITY:
            raise fail(f'Unsupported start tag "{tag}" at byte offset {at(begin)}')
        attrs, i = _parse_attributes(src, j, tag, at(begin), fail)
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise fail(f'Tag "span" must have class "tg-spoiler" at byte offset {at(begin)}')
        stack.append((tag, pos16, attrs))
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return "".join(out), entities


def _parse_attributes(
    src: str, j: int, tag: str, offset: int, fail: Callable[[str], ApiError]
) -> tuple[dict[str, str], int]:
    """Parse a start tag's attributes from ``src[j]``; return them and the index after '>'."""
    attrs: dict[str, str] = {}
    n = len(src)
    unclosed = f"Unclosed start tag at byte offset {offset}"
    while True:
        while j < n and src[j].isspace():
            j += 1
        if j >= n:
            raise fail(unclosed)
        if src[j] == ">":
            return attrs, j + 1
        k = j
        while k < n and not src[k].isspace() and src[k] not in "=>":
            k += 1
        name = src[j:k].lower()
        if not name:
            raise fail(f'Empty attribute name in the tag "{tag}" at byte offset {offset}')
        while k < n and src[k].isspace():
            k += 1
        if k >= n:
            raise fail(unclosed)
        if src[k] != "=":
            if tag == "blockquote" and name == "expandable":  # the one value-less attribute
                attrs[name] = ""
                j = k
                continue
            raise fail(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}"'
                f" at byte offset {offset}"
            )
        k += 1
        while k < n and src[k].isspace():
            k += 1
        if k >= n:
            raise fail(unclosed)
        if src[k] in "\"'":
            quote, k, value = src[k], k + 1, []
            while k < n and src[k] != quote:
                decoded = _decode_entity(src, k) if src[k] == "&" else None
                char, k = decoded if decoded else (src[k], k + 1)
                value.append(char)
            if k >= n:
                raise fail(unclosed)
            attrs.setdefault(name, "".join(value))
            j = k + 1
        else:  # an unquoted value is a name token: letters, digits, '.' and '-' only
            start = k
            while k < n and ((src[k].isascii() and src[k].isalnum()) or src[k] in ".-"):
                k += 1
            if k < n and not src[k].isspace() and src[k] != ">":
                raise fail(f"Unexpected end of name token at byte offset {len(src[:start].encode())}")
            attrs.setdefault(name, src[start:k].lower())
            j = k


def _tag_entity(tag: str, offset: int, length: int, attrs: dict[str, str]) -> dict | None:
    """The MessageEntity for a closed tag, or None where Telegram silently drops it."""
    entity: dict[str, Any] = {"type": TAG_ENTITY[tag], "offset": offset, "length": length}
    if tag == "a":
        url = attrs.get("href", "").strip()
        scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", url)
        if not url or (scheme and scheme.group(1).lower() not in LINK_SCHEMES):
            return None  # javascript: and friends never become links
        entity["url"] = url if scheme else f"http://{url}"
    elif tag == "pre" and attrs.get("language"):
        entity["language"] = attrs["language"]
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        if not attrs.get("emoji-id", "").isdigit():
            return None
        entity["custom_emoji_id"] = attrs["emoji-id"]
    return entity
