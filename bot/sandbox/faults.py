"""Faults the sandbox injects on demand: a blocked chat, 429 rate limits, 5xx errors, latency.

Faults only hit methods that deliver something to a chat (``send*``, ``edit*``,
``deleteMessage(s)``, ``answerCallbackQuery``, ``copyMessage``, ``forwardMessage``): those are
the calls Telegram itself rate-limits or rejects for a blocked user. Start-up calls
(``getMe``, ``deleteWebhook``, ``setMyCommands``) and ``getUpdates`` are never faulted, so a
fault exercises the bot's sending path instead of stopping it from booting. The delay is the
exception: it simulates the network round trip and therefore applies to every call.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

# Besides every send* and edit* method; names in lower case (Telegram ignores the case).
FAULTED_EXTRA = frozenset(
    {"deletemessage", "deletemessages", "answercallbackquery", "copymessage", "forwardmessage"}
)


def is_faultable(method: str) -> bool:
    """Whether ``method`` (case-insensitive, as Telegram) is subject to 403/429/5xx faults."""
    lower = method.lower()
    return lower.startswith(("send", "edit")) or lower in FAULTED_EXTRA


@dataclass
class FaultError:
    """An error answer Telegram would give: HTTP status, description, optional parameters."""

    status: int
    description: str
    parameters: dict[str, Any] | None = None


@dataclass
class Faults:
    """Mutable fault configuration; every setter takes effect with the next Bot API call."""

    blocked_chats: set[int] = field(default_factory=set)
    delay_seconds: float = 0.0
    rate_limit_calls: int = 0
    rate_limit_until: float = 0.0
    rate_limit_retry_after: int = 0
    rate_limit_chat: int | None = None
    server_error_calls: int = 0
    server_error_status: int = 502

    def block(self, chat_id: int, blocked: bool = True) -> None:
        """Make every send to ``chat_id`` fail with 403 (the user blocked the bot), or undo it."""
        if blocked:
            self.blocked_chats.add(int(chat_id))
        else:
            self.blocked_chats.discard(int(chat_id))

    def rate_limit(
        self,
        retry_after: int = 3,
        calls: int | None = None,
        seconds: float | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Answer 429 for the next ``calls`` calls, or for every call during ``seconds``.

        With ``seconds`` the reported ``retry_after`` is the time left in the period (rounded up),
        as Telegram reports when the limit really lifts; with ``calls`` it is ``retry_after``.
        ``chat_id`` limits the fault to calls addressed to that chat (a per-chat flood limit).
        """
        self.rate_limit_retry_after = max(1, int(retry_after))
        self.rate_limit_chat = None if chat_id is None else int(chat_id)
        if seconds is not None:
            self.rate_limit_until = time.monotonic() + float(seconds)
            self.rate_limit_calls = 0
        else:
            self.rate_limit_until = 0.0
            self.rate_limit_calls = 1 if calls is None else max(0, int(calls))

    def server_error(self, calls: int = 1, status: int = 502) -> None:
        """Answer ``status`` (502 "Bad Gateway" by default) for the next ``calls`` calls."""
        self.server_error_calls = max(0, int(calls))
        self.server_error_status = int(status)

    def set_delay(self, seconds: float) -> None:
        """Delay every Bot API call by ``seconds`` (a simulated round trip; 0 turns it off)."""
        self.delay_seconds = max(0.0, float(seconds))

    def clear(self) -> None:
        """Remove every fault (blocked chats, limits, errors and delay)."""
        self.blocked_chats.clear()
        self.delay_seconds = 0.0
        self.rate_limit_calls = 0
        self.rate_limit_until = 0.0
        self.rate_limit_chat = None
        self.server_error_calls = 0

    def check(self, method: str, chat_id: int | None) -> FaultError | None:
        """The error to answer instead of executing ``method`` for ``chat_id``, if any.

        Consumes one unit of a "next N calls" fault. Order follows a real request's path:
        a failing gateway answers before the flood limiter, which answers before the chat check.
        """
        if not is_faultable(method):
            return None
        if self.server_error_calls > 0:
            self.server_error_calls -= 1
            return FaultError(self.server_error_status, _status_phrase(self.server_error_status))
        limited_chat = self.rate_limit_chat is None or self.rate_limit_chat == chat_id
        now = time.monotonic()
        retry_after: int | None = None
        if limited_chat and self.rate_limit_until > now:
            retry_after = max(1, math.ceil(self.rate_limit_until - now))
        elif limited_chat and self.rate_limit_calls > 0:
            self.rate_limit_calls -= 1
            retry_after = self.rate_limit_retry_after
        if retry_after is not None:
            return FaultError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        if chat_id is not None and chat_id in self.blocked_chats:
            return FaultError(403, "Forbidden: bot was blocked by the user")
        return None

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready view of the current faults, for the page."""
        left = max(0.0, self.rate_limit_until - time.monotonic())
        return {
            "blocked_chats": sorted(self.blocked_chats),
            "delay_seconds": self.delay_seconds,
            "rate_limit_calls": self.rate_limit_calls,
            "rate_limit_seconds_left": round(left, 1),
            "rate_limit_retry_after": self.rate_limit_retry_after,
            "rate_limit_chat": self.rate_limit_chat,
            "server_error_calls": self.server_error_calls,
            "server_error_status": self.server_error_status,
        }


def _status_phrase(status: int) -> str:
    """Telegram's description for a gateway error (its front end answers these, not the API)."""
    return {
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }.get(status, "Internal Server Error")
