"""The sandbox's chat methods: button answers, chat actions, command menus, chats and files."""

from __future__ import annotations

import copy
import json
import re
import time
from typing import Any

from bot.sandbox.api_calls import bad, coerce_params
from bot.sandbox.models import SandboxState, Upload

CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
}  # fmt: skip


class ChatMethods(SandboxState):
    """Everything around the messages: callback answers, typing, menus, chat info and files."""

    def _api_answerCallbackQuery(self, p: dict[str, Any], f: dict[str, Upload]) -> bool:
        """Answer a button press once, with an optional toast or alert."""
        query = self.callback_queries.get(str(p.get("callback_query_id") or ""))
        if query is None or query.answer is not None:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        text = str(p.get("text") or "")
        if len(text) > 200:
            raise bad("MESSAGE_TOO_LONG")
        query.answer = {
            "text": text,
            "show_alert": bool(p.get("show_alert")),
            "url": p.get("url"),
            "cache_time": p.get("cache_time") or 0,
        }
        return True

    def _api_sendChatAction(self, p: dict[str, Any], f: dict[str, Upload]) -> bool:
        """Show a chat action such as typing for a few seconds."""
        chat = self._chat(p)
        if p.get("action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        chat.action = (str(p["action"]), time.monotonic() + 5)  # Telegram shows it ≤ 5 s
        return True

    def _command_key(self, p: dict[str, Any]) -> tuple[str, str]:
        """Key the command list by scope and language, validating both."""
        scope = p.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in {
            "default",
            "all_private_chats",
            "all_group_chats",
            "all_chat_administrators",
            "chat",
            "chat_administrators",
            "chat_member",
        }:
            raise bad("can't parse BotCommandScope JSON object")
        key: dict[str, Any] = {"type": scope["type"]}
        if "chat" in scope["type"] and scope["type"].startswith("chat"):
            key["chat_id"] = self._chat({"chat_id": coerce_params(scope).get("chat_id")}).user.id
        if scope["type"] == "chat_member":
            key["user_id"] = self._int(scope.get("user_id"), 0, "user_id")
        lang = str(p.get("language_code") or "")
        if lang and not re.fullmatch(r"[a-z]{2,3}", lang):
            raise bad("invalid language code specified")
        return json.dumps(key, sort_keys=True), lang

    def _api_setMyCommands(self, p: dict[str, Any], f: dict[str, Upload]) -> bool:
        """Store the command menu for a scope and language."""
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad("can't parse commands JSON object")
        norm = []
        for item in commands:
            item = item if isinstance(item, dict) else {}
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(item.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(item.get("description", "")).strip()) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
            norm.append({"command": item["command"], "description": item["description"]})
        key = self._command_key(p)
        if norm:
            self.commands[key] = norm
        else:
            self.commands.pop(key, None)
        return True

    def _api_getMyCommands(self, p: dict[str, Any], f: dict[str, Upload]) -> list[dict]:
        """Return the command menu stored for a scope and language."""
        return copy.deepcopy(self.commands.get(self._command_key(p), []))

    def _api_deleteMyCommands(self, p: dict[str, Any], f: dict[str, Upload]) -> bool:
        """Forget the command menu of a scope and language."""
        self.commands.pop(self._command_key(p), None)
        return True

    def _api_setChatMenuButton(self, p: dict[str, Any], f: dict[str, Upload]) -> bool:
        """Set the menu button of one chat or the default one."""
        button = p.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in {"default", "commands", "web_app"}:
            raise bad("can't parse menu button JSON object")
        if p.get("chat_id") not in (None, ""):
            self._chat(p).menu_button = button
        else:
            self._default_menu = button
        return True

    def _api_getChatMenuButton(self, p: dict[str, Any], f: dict[str, Upload]) -> dict:
        """Return the menu button of one chat, or the default one."""
        if p.get("chat_id") not in (None, "") and self._chat(p).menu_button:
            return dict(self._chat(p).menu_button or {})
        return dict(self._default_menu)

    def _api_getChat(self, p: dict[str, Any], f: dict[str, Upload]) -> dict[str, Any]:
        """Describe a private chat, as getChat does."""
        chat = self._chat(p)
        return {
            **chat.user.chat(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _api_getFile(self, p: dict[str, Any], f: dict[str, Upload]) -> dict[str, Any]:
        """Describe a stored file so it can be downloaded."""
        stored = self._files.get(str(p.get("file_id") or ""))
        if stored is None:
            raise bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }
