"""Telegram's reply markup rules: inline and reply keyboards validated and normalised."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.sandbox.api_calls import bad

OTHER_BUTTON_KINDS = {
    "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
}  # fmt: skip


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
