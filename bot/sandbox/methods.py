"""The Bot API methods the sandbox emulates, looked up by name (``_api_<method>``).

The methods live in groups: :mod:`~bot.sandbox.methods_updates` (polling and webhook),
:mod:`~bot.sandbox.methods_messages` (send, edit, delete) and :mod:`~bot.sandbox.methods_chat`
(callback answers, chat actions, command menus, chats and files).
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.methods_chat import ChatMethods
from bot.sandbox.methods_messages import MessageMethods
from bot.sandbox.methods_updates import UpdateMethods
from bot.sandbox.models import Upload


class BotApiMethods(UpdateMethods, MessageMethods, ChatMethods):
    """Bot API semantics on top of the shared state."""

    def _target_chat(self, method: str, params: dict[str, Any]) -> int | None:
        """Return the chat a call is aimed at, for per-chat faults such as blocking."""
        if method.lower() == "answercallbackquery":
            query = self.callback_queries.get(str(params.get("callback_query_id")))
            return query.user_id if query else None
        chat_id = params.get("chat_id")
        return chat_id if isinstance(chat_id, int) else None

    def _harmless(self, p: dict[str, Any], f: dict[str, Upload]) -> bool:
        """Accept a call that needs no emulation and always succeeds."""
        return True
