"""The Bot API methods the sandbox emulates, looked up by name (``_api_<method>``)."""

from __future__ import annotations

import copy
import json
import re
import time
from typing import Any

from bot.sandbox.formatting import (
    NOT_MODIFIED,
    ApiError,
    bad,
    coerce_params,
    format_text,
    parse_markup,
)
from bot.sandbox.models import (
    DEFAULT_UPDATES,
    ChatMessage,
    ChatState,
    SandboxState,
    StoredFile,
    Upload,
    image_size,
)

CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
}  # fmt: skip


class BotApiMethods(SandboxState):
    """Bot API semantics on top of the shared state."""

    def _target_chat(self, method: str, params: dict[str, Any]) -> int | None:
        if method.lower() == "answercallbackquery":
            query = self.callback_queries.get(str(params.get("callback_query_id")))
            return query.user_id if query else None
        chat_id = params.get("chat_id")
        return chat_id if isinstance(chat_id, int) else None

    def _harmless(self, p: dict[str, Any], f: dict[str, Upload]) -> bool:
        return True

    # -- Bot API methods (looked up by name: _api_<method>) -----------------------------------

    def _api_getMe(self, p: dict[str, Any], f: dict[str, Upload]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api_getUpdates(self, p: dict[str, Any], f: dict[str, Upload]) -> list[dict]:
        if self.webhook.get("url"):
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active;"
                " use deleteWebhook to delete the webhook first",
            )
        offset = self._int(p.get("offset"), 0, "offset")
        limit = min(100, max(1, self._int(p.get("limit"), 100, "limit")))
        deadline = time.monotonic() + max(0, self._int(p.get("timeout"), 0, "timeout"))
        if isinstance(p.get("allowed_updates"), list):
            self._allowed = set(p["allowed_updates"]) or set(DEFAULT_UPDATES)
        if offset < 0:  # keep only the last -offset updates
            self._updates = self._updates[offset:]
        elif offset > 0:  # confirms (forgets) everything below offset
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._poller += 1
        me = self._poller
        if self._active_poll is not None:
            self._changed()  # wake the older request so it ends with 409, as on Telegram
        while not self._updates and not self.closing and time.monotonic() < deadline:
            self._active_poll = me
            try:
                await self.wait_change(self._version, deadline - time.monotonic())
            finally:
                if self._active_poll == me:
                    self._active_poll = None
            if self._poller != me:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot"
                    " instance is running",
                )
        return copy.deepcopy(self._updates[:limit])

    def _api_setWebhook(self, p: dict[str, Any], f: dict[str, Upload]) -> bool:
        url = str(p.get("url") or "")
        if url and not re.match(r"https?://", url):  # the sandbox also accepts local http
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        if p.get("drop_pending_updates"):
            self._updates.clear()
        if isinstance(p.get("allowed_updates"), list):
            self._allowed = set(p["allowed_updates"]) or set(DEFAULT_UPDATES)
        self.webhook = {"url": url}
        if url:
            self.webhook.update(
                secret_token=p.get("secret_token"),
                max_connections=self._int(p.get("max_connections"), 40, "m"),
            )
            self._poller += 1  # a running getUpdates ends with 409
        return True

    def _api_deleteWebhook(self, p: dict[str, Any], f: dict[str, Upload]) -> bool:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {"url": ""}
        return True

    def _api_getWebhookInfo(self, p: dict[str, Any], f: dict[str, Upload]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        for key in ("max_connections", "last_error_date", "last_error_message"):
            if self.webhook.get(key) is not None:
                info[key] = self.webhook[key]
        if self.webhook.get("url"):
            info["allowed_updates"] = sorted(self._allowed)
        return info

    def _api_sendMessage(self, p: dict[str, Any], f: dict[str, Upload]) -> dict[str, Any]:
        chat = self._chat(p)
        text, entities = format_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
        return self._post(chat, {"text": text, **({"entities": entities} if entities else {})}, p)

    def _api_sendDocument(self, p: dict[str, Any], f: dict[str, Upload]) -> dict[str, Any]:
        return self._send_file(p, f, "document")

    def _api_sendPhoto(self, p: dict[str, Any], f: dict[str, Upload]) -> dict[str, Any]:
        return self._send_file(p, f, "photo")

    def _send_file(self, p: dict[str, Any], files: dict[str, Upload], kind: str) -> dict:
        chat = self._chat(p)
        caption, entities = format_text(
            p.get("caption"), p.get("parse_mode"), p.get("caption_entities"), caption=True
        )
        parse_markup(p.get("reply_markup"))  # validate before the file is stored
        stored = self._input_file(p, files, kind)
        meta: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.data),
        }
        if kind == "photo":
            width, height = image_size(stored.data) or (0, 0)
            content: dict[str, Any] = {"photo": [{**meta, "width": width, "height": height}]}
        else:
            content = {kind: {**meta, "file_name": stored.file_name, "mime_type": stored.mime_type}}
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        return self._post(chat, content, p)

    def _input_file(self, p: dict[str, Any], files: dict[str, Upload], kind: str) -> StoredFile:
        value = p.get(kind)
        upload = files.get(kind)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
        if upload is None:
            if not value:
                raise bad(f"there is no {kind} in the request")
            if re.match(r"https?://", str(value)):
                raise bad("failed to get HTTP URL content")  # the sandbox has no Internet
            stored = self._files.get(str(value))
            if stored is None:
                raise bad("wrong file identifier/HTTP URL specified")
            if stored.kind != kind:
                raise bad("type of file mismatch")
            return stored
        if not upload.data:
            raise bad("file must be non-empty")
        if kind == "photo" and image_size(upload.data) is None:
            raise bad("IMAGE_PROCESS_FAILED")
        return self._store(kind, upload.data, upload.filename, upload.content_type)

    def _post(self, chat: ChatState, content: dict[str, Any], p: dict[str, Any]) -> dict:
        """Store a bot message after validating markup and reply target; return the Message."""
        markup = parse_markup(p.get("reply_markup"))
        reply = p.get("reply_parameters") or (
            {"message_id": p["reply_to_message_id"]} if p.get("reply_to_message_id") else None
        )
        data: dict[str, Any] = {
            "message_id": chat.next_id,
            "from": dict(self.bot_user),
            "chat": chat.user.chat(),
            "date": self.now(),
            **content,
        }
        if isinstance(reply, dict):
            target = chat.messages.get(self._int(reply.get("message_id"), 0, "message_id"))
            if target and not target.deleted:
                data["reply_to_message"] = {k: v for k, v in target.data.items() if k != "reply_to_message"}
            elif not (reply.get("allow_sending_without_reply") or p.get("allow_sending_without_reply")):
                raise bad("message to be replied not found")
        if markup and "inline_keyboard" in markup:
            data["reply_markup"] = markup  # only inline keyboards are part of a Message
        elif markup and "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup and markup.get("remove_keyboard"):
            chat.reply_keyboard = None
        chat.next_id += 1
        chat.action = None  # a sent message ends "typing…", as in the apps
        chat.messages[data["message_id"]] = ChatMessage(data, from_bot=True)
        return copy.deepcopy(data)

    def _editable(self, p: dict[str, Any]) -> ChatMessage:
        if p.get("inline_message_id"):
            raise bad("MESSAGE_ID_INVALID")  # inline mode is not emulated
        chat = self._chat(p)
        if p.get("message_id") in (None, ""):
            raise bad("message identifier is not specified")
        message = chat.messages.get(self._int(p.get("message_id"), 0, "message_id"))
        if message is None or message.deleted:
            raise bad("message to edit not found")
        if not message.from_bot:
            raise bad("message can't be edited")
        return message

    def _edit(self, message: ChatMessage, changes: dict[str, Any], p: dict) -> dict[str, Any]:
        """Apply an edit; like Telegram, an edit without reply_markup removes the keyboard."""
        markup = parse_markup(p.get("reply_markup"))
        if markup and "inline_keyboard" not in markup:
            raise bad("inline keyboard expected")
        new = dict(message.data)
        for key, value in {**changes, "reply_markup": markup}.items():
            if value:
                new[key] = value
            else:
                new.pop(key, None)
        if all(new.get(k) == message.data.get(k) for k in (*changes, "reply_markup")):
            raise bad(NOT_MODIFIED)
        message.history.append(copy.deepcopy(message.data))
        new["edit_date"] = self.now()
        message.data = new
        return copy.deepcopy(new)

    def _api_editMessageText(self, p: dict[str, Any], f: dict[str, Upload]) -> dict[str, Any]:
        message = self._editable(p)
        if "text" not in message.data:
            raise bad("there is no text in the message to edit")
        text, entities = format_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
        return self._edit(message, {"text": text, "entities": entities}, p)

    def _api_editMessageCaption(self, p: dict[str, Any], f: dict[str, Upload]) -> dict:
        message = self._editable(p)
        if "text" in message.data:
            raise bad("there is no caption in the message to edit")
        caption, entities = format_text(
            p.get("caption"), p.get("parse_mode"), p.get("caption_entities"), caption=True
        )
        return self._edit(message, {"caption": caption, "caption_entities": entities}, p)

    def _api_editMessageReplyMarkup(self, p: dict[str, Any], f: dict[str, Upload]) -> dict:
        return self._edit(self._editable(p), {}, p)

    def _api_deleteMessage(self, p: dict[str, Any], f: dict[str, Upload]) -> bool:
        chat = self._chat(p)
        message = chat.messages.get(self._int(p.get("message_id"), 0, "message_id"))
        if message is None or message.deleted:
            raise bad("message to delete not found")
        message.deleted = True
        return True

    def _api_deleteMessages(self, p: dict[str, Any], f: dict[str, Upload]) -> bool:
        chat = self._chat(p)
        for message_id in p.get("message_ids") or []:
            if message := chat.messages.get(self._int(message_id, 0, "message_ids")):
                message.deleted = True
        return True

    def _api_answerCallbackQuery(self, p: dict[str, Any], f: dict[str, Upload]) -> bool:
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
        chat = self._chat(p)
        if p.get("action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        chat.action = (str(p["action"]), time.monotonic() + 5)  # Telegram shows it ≤ 5 s
        return True

    def _command_key(self, p: dict[str, Any]) -> tuple[str, str]:
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
        return copy.deepcopy(self.commands.get(self._command_key(p), []))

    def _api_deleteMyCommands(self, p: dict[str, Any], f: dict[str, Upload]) -> bool:
        self.commands.pop(self._command_key(p), None)
        return True

    def _api_setChatMenuButton(self, p: dict[str, Any], f: dict[str, Upload]) -> bool:
        button = p.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in {"default", "commands", "web_app"}:
            raise bad("can't parse menu button JSON object")
        if p.get("chat_id") not in (None, ""):
            self._chat(p).menu_button = button
        else:
            self._default_menu = button
        return True

    def _api_getChatMenuButton(self, p: dict[str, Any], f: dict[str, Upload]) -> dict:
        if p.get("chat_id") not in (None, "") and self._chat(p).menu_button:
            return dict(self._chat(p).menu_button or {})
        return dict(self._default_menu)

    def _api_getChat(self, p: dict[str, Any], f: dict[str, Upload]) -> dict[str, Any]:
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
        stored = self._files.get(str(p.get("file_id") or ""))
        if stored is None:
            raise bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }
