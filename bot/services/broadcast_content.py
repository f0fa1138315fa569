"""A broadcast's content: HTML text and an optional photo or document, checked against Telegram's limits."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from models import Broadcast, MediaKind

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# What the Bot API accepts as an upload: photos up to 10 MB, other files up to 50 MB.
MEDIA_LIMITS = {MediaKind.PHOTO: 10 * 1024 * 1024, MediaKind.DOCUMENT: 50 * 1024 * 1024}
_TAG = re.compile(r"<[^>]*>")


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
    return html.unescape(_TAG.sub("", text))


def content_errors(text: str, media: Media | None) -> list[str]:
    """What is wrong with the content: "text" and/or "media" (empty when it can be sent)."""
    errors = []
    shown = visible_text(text)
    # A photo or document may go without a caption; a text message needs some text.
    if len(shown) > (CAPTION_LIMIT if media is not None else TEXT_LIMIT) or (
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
