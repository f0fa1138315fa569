"""How a Bot API call arrives and fails in the sandbox: parameter types and error answers."""

from __future__ import annotations

import json
import re
from typing import Any

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
        """An error with Telegram's status, description and parameters."""
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
