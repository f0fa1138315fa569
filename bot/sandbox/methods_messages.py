"""The sandbox's message methods: sending, editing and deleting the bot's messages."""

from __future__ import annotations

import copy
import re
from typing import Any

from bot.sandbox.api_calls import bad
from bot.sandbox.formatting import NOT_MODIFIED, format_text
from bot.sandbox.markup import parse_markup
from bot.sandbox.models import ChatMessage, ChatState, SandboxState, StoredFile, Upload, image_size


class MessageMethods(SandboxState):
    """Messages the bot sends, edits and deletes in users' chats."""

    def _api_sendMessage(self, p: dict[str, Any], f: dict[str, Upload]) -> dict[str, Any]:
        """Send a text message into a user's chat."""
        chat = self._chat(p)
        text, entities = format_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
        return self._post(chat, {"text": text, **({"entities": entities} if entities else {})}, p)

    def _api_sendDocument(self, p: dict[str, Any], f: dict[str, Upload]) -> dict[str, Any]:
        """Send a document into a user's chat."""
        return self._send_file(p, f, "document")

    def _api_sendPhoto(self, p: dict[str, Any], f: dict[str, Upload]) -> dict[str, Any]:
        """Send a photo into a user's chat."""
        return self._send_file(p, f, "photo")

    def _send_file(self, p: dict[str, Any], files: dict[str, Upload], kind: str) -> dict:
        """Store an uploaded or known file and post it as a message of the given kind."""
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
        """Resolve the file of a send call: an upload, an attach:// part or a known file_id."""
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
        """Find the bot message an edit call refers to, or fail as Telegram does."""
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
        """Change the text of a bot message."""
        message = self._editable(p)
        if "text" not in message.data:
            raise bad("there is no text in the message to edit")
        text, entities = format_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
        return self._edit(message, {"text": text, "entities": entities}, p)

    def _api_editMessageCaption(self, p: dict[str, Any], f: dict[str, Upload]) -> dict:
        """Change the caption of a bot file message."""
        message = self._editable(p)
        if "text" in message.data:
            raise bad("there is no caption in the message to edit")
        caption, entities = format_text(
            p.get("caption"), p.get("parse_mode"), p.get("caption_entities"), caption=True
        )
        return self._edit(message, {"caption": caption, "caption_entities": entities}, p)

    def _api_editMessageReplyMarkup(self, p: dict[str, Any], f: dict[str, Upload]) -> dict:
        """Change only the inline keyboard of a bot message."""
        return self._edit(self._editable(p), {}, p)

    def _api_deleteMessage(self, p: dict[str, Any], f: dict[str, Upload]) -> bool:
        """Delete one message from a chat."""
        chat = self._chat(p)
        message = chat.messages.get(self._int(p.get("message_id"), 0, "message_id"))
        if message is None or message.deleted:
            raise bad("message to delete not found")
        message.deleted = True
        return True

    def _api_deleteMessages(self, p: dict[str, Any], f: dict[str, Upload]) -> bool:
        """Delete several messages from a chat, skipping unknown ones."""
        chat = self._chat(p)
        for message_id in p.get("message_ids") or []:
            if message := chat.messages.get(self._int(message_id, 0, "message_ids")):
                message.deleted = True
        return True
