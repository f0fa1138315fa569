"""Telegram's text rules: HTML parse mode, trimming, automatic entities, limits, reply markup.

Everything here mirrors what the Bot API server does before it stores a message, with Telegram's
error descriptions, so the bot meets the same 400 answers in the sandbox as in production.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

MAX_TEXT = 4096
MAX_CAPTION = 1024
TAG_ENTITY = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "a": "text_link", "code": "code", "pre": "pre", "tg-spoiler": "spoiler", "span": "spoiler",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}  # fmt: skip
LINK_SCHEMES = {"http", "https", "tg", "ton", "ftp", "mailto"}
OTHER_BUTTON_KINDS = {
    "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
}  # fmt: skip
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are"
    " exactly the same as a current content and reply markup of the message"
)
_COMMAND_RE = re.compile(r"(?<![\w/<>@])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>@])")
_URL_RE = re.compile(r"\bhttps?://[^\s<>\"']*[^\s<>\"'.,;:!?)\]]")
_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});")
_JSON_FIELDS = {
    "reply_markup", "allowed_updates", "commands", "scope", "entities", "caption_entities",
    "menu_button", "link_preview_options", "reply_parameters", "message_ids",
}  # fmt: skip
_INT_FIELDS = {
    "chat_id",
    "message_id",
    "offset",
    "limit",
    "timeout",
    "cache_time",
    "reply_to_message_id",
    "max_connections",
    "message_thread_id",
    "user_id",
}
_BOOL_FIELDS = {
    "show_alert",
    "drop_pending_updates",
    "disable_notification",
    "protect_content",
    "allow_sending_without_reply",
    "disable_web_page_preview",
}


class ApiError(Exception):
    """A Bot API error answer: HTTP status (== error_code), description, optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram would answer."""
        out: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            out["parameters"] = self.parameters
        return out


def bad(description: str) -> ApiError:
    """A 400 error whose description gets Telegram's ``Bad Request:`` prefix."""
    return ApiError(400, f"Bad Request: {description}")


def u16len(text: str) -> int:
    """Length in UTF-16 code units: Telegram's entity offsets and lengths use this unit."""
    return len(text.encode("utf-16-le")) // 2


# ---------------------------------------------------------------------------------------------
# Text formatting (HTML parse mode, trimming, automatic entities)
# ---------------------------------------------------------------------------------------------


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
        return bad(f"can't parse entities: {message}")

    def at(p: int) -> int:  # Telegram reports byte offsets in UTF-8
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


# ---------------------------------------------------------------------------------------------
# Reply markup
# ---------------------------------------------------------------------------------------------


def _check_button(button: Any) -> dict[str, Any]:
    """Validate one inline keyboard button and return it without null fields."""
    if not isinstance(button, dict):
        raise bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    button = {k: v for k, v in button.items() if v is not None}
    # Telegram refuses an empty label but accepts a blank one (calendars pad with " ").
    if not isinstance(button.get("text"), str) or not button["text"]:
        raise bad("BUTTON_TEXT_INVALID")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
            raise bad("BUTTON_DATA_INVALID")
    elif "url" in button:
        url = str(button["url"])
        if not re.match(r"(https?|tg)://\S+$", url):
            raise bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
    elif not OTHER_BUTTON_KINDS & button.keys():
        raise bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    return button


def parse_markup(raw: Any) -> dict[str, Any] | None:
    """Validate a reply_markup parameter; return it normalised (null fields dropped) or None."""
    if raw in (None, ""):
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise bad("can't parse reply keyboard markup JSON object") from None
    if not isinstance(raw, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        rows = raw["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
        return {"inline_keyboard": [[_check_button(b) for b in row] for row in rows]}
    if "keyboard" in raw:
        rows = raw["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array')
        norm = [[b if isinstance(b, dict) else {"text": str(b)} for b in row] for row in rows]
        if any(not str(b.get("text", "")).strip() for row in norm for b in row):
            raise bad("BUTTON_TEXT_INVALID")
        return {**{k: v for k, v in raw.items() if v is not None}, "keyboard": norm}
    if raw.get("remove_keyboard") or raw.get("force_reply"):
        return {k: v for k, v in raw.items() if v is not None}
    raise bad("can't parse reply keyboard markup JSON object")


def coerce_params(raw: dict[str, Any]) -> dict[str, Any]:
    """Give form-encoded values their JSON types (PTB JSON-encodes every non-string value)."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and key in _JSON_FIELDS:
            try:
                value = json.loads(value)
            except ValueError:
                if key == "reply_markup":
                    raise bad("can't parse reply keyboard markup JSON object") from None
                raise bad(f"can't parse {key} JSON object") from None
        elif isinstance(value, str) and key in _INT_FIELDS:
            value = int(value) if re.fullmatch(r"-?\d+", value.strip()) else value
        elif isinstance(value, str) and key in _BOOL_FIELDS:
            value = value.strip().lower() in {"true", "1"}
        out[key] = value
    return out
