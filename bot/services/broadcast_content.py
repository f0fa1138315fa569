"""A broadcast's content: HTML text and an optional photo or document, checked against Telegram's
limits, and the Bot API call that delivers it."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from bot.telegram_text import CAPTION_LIMIT, TEXT_LIMIT, utf16_length
from bot.telegram_text import visible_text as telegram_visible_text
from models import Broadcast, MediaKind

__all__ = [
    "CAPTION_LIMIT",
    "TEXT_LIMIT",
    "Media",
    "content_errors",
    "inline_media",
    "media_of",
    "outbox_call",
    "visible_text",
]
# What the Bot API accepts as an upload: photos up to 10 MB, other files up to 50 MB.
MEDIA_LIMITS = {MediaKind.PHOTO: 10 * 1024 * 1024, MediaKind.DOCUMENT: 50 * 1024 * 1024}


@dataclass(frozen=True)
class Media:
    """An attachment: a Telegram ``file_id`` (preferred: nothing is uploaded again; the coordinator's
    own upload has one) and/or the bytes with a file name."""

    kind: MediaKind
    file_id: str | None = None
    content: bytes | None = None
    filename: str | None = None


def visible_text(text: str) -> str:
    """What Telegram shows of an HTML text: without tags, entities decoded."""
    return telegram_visible_text(text)


def content_errors(text: str, media: Media | None) -> list[str]:
    """What is wrong with the content: "text" and/or "media" (empty when it can be sent)."""
    errors = []
    shown = visible_text(text)
    # A photo or document may go without a caption; a text message needs some text.
    # Telegram counts UTF-16 code units: an emoji outside the BMP counts twice.
    if utf16_length(shown) > (CAPTION_LIMIT if media is not None else TEXT_LIMIT) or (
        media is None and not shown.strip()
    ):
        errors.append("text")
    if media is not None:
        size = len(media.content or b"")
        if (not media.file_id and not media.content) or size > MEDIA_LIMITS[MediaKind(media.kind)]:
            errors.append("media")
    return errors


def media_of(broadcast: Broadcast) -> Media | None:
    """The stored attachment of a broadcast, if any."""
    if broadcast.media_kind is None:
        return None
    return Media(
        MediaKind(broadcast.media_kind),
        broadcast.media_file_id,
        broadcast.media_bytes,
        broadcast.media_filename,
    )


def outbox_call(broadcast: Broadcast) -> tuple[str, dict[str, Any]]:
    """The Bot API method and payload (without ``chat_id``) that deliver the broadcast."""
    if broadcast.media_kind is None:
        return "sendMessage", {
            "text": broadcast.text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
    kind = MediaKind(broadcast.media_kind)
    media: str | dict[str, str] = broadcast.media_file_id or {
        # The sender turns this back into an upload.
        "content_b64": base64.b64encode(broadcast.media_bytes or b"").decode("ascii"),
        "filename": broadcast.media_filename or ("photo.jpg" if kind == MediaKind.PHOTO else "document"),
    }
    payload: dict[str, Any] = {kind.value: media}
    if broadcast.text:
        payload |= {"caption": broadcast.text, "parse_mode": "HTML"}
    return ("sendPhoto" if kind == MediaKind.PHOTO else "sendDocument"), payload


def inline_media(broadcast: Broadcast) -> bool:
    """Whether the broadcast's file goes with every message (Telegram has no id for it yet)."""
    return broadcast.media_kind is not None and not broadcast.media_file_id
