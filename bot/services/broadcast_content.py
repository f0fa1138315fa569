"""A broadcast's content: HTML text and an optional photo or document, checked against Telegram's
limits, and the Bot API call that delivers it to one recipient.

Every broadcast arrives with a sender line on top ("📣 MiGlobe Baden-Württemberg"), and for those
who receive it as programme news (contacts who agreed to them) with the way to unsubscribe at the
end, in the recipient's language. These lines count towards Telegram's limits, so the room left for
the coordinator's own text is the limit minus the longest framing (:func:`content_limit`).
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from typing import Any

from bot.config import SUPPORTED_LOCALES
from bot.i18n import N_, translate
from bot.telegram_text import CAPTION_LIMIT, TEXT_LIMIT, utf16_length
from bot.telegram_text import visible_text as telegram_visible_text
from models import Broadcast, BroadcastAudience, MediaKind

__all__ = [
    "CAPTION_LIMIT",
    "PROGRAMME_NAME",
    "TEXT_LIMIT",
    "Media",
    "content_errors",
    "content_limit",
    "framed",
    "inline_media",
    "media_of",
    "outbox_call",
    "reaches_news_recipients",
    "visible_text",
]
# Who the broadcasts come from, as the recipients read it on top of each one.
PROGRAMME_NAME = "MiGlobe Baden-Württemberg"
# The German text names the German command (/neuigkeiten), the English one /news.
UNSUBSCRIBE = N_("Unsubscribe: /news")
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


def reaches_news_recipients(audience: BroadcastAudience | str) -> bool:
    """Whether the audience takes in contacts, who receive broadcasts as news they can unsubscribe."""
    return audience in (BroadcastAudience.CONTACTS, BroadcastAudience.BOTH)


def framed(text: str, locale: str, news: bool) -> str:
    """The coordinator's HTML ``text`` as one recipient gets it: the sender line on top and, for a
    news recipient (``news``), the way to unsubscribe below, in ``locale``."""
    parts = [f"📣 <b>{html.escape(PROGRAMME_NAME)}</b>"]
    if text.strip():
        parts.append(text.strip())
    if news:
        parts.append(html.escape(translate(locale, UNSUBSCRIBE)))
    return "\n\n".join(parts)


def _framing_length() -> int:
    """The characters (UTF-16, as Telegram counts) the longest framing adds to a text."""
    return max(utf16_length(visible_text(framed("x", locale, True))) - 1 for locale in SUPPORTED_LOCALES)


def content_limit(media: bool) -> int:
    """How long the coordinator's text may be (as Telegram counts it): a caption with a photo or
    document, a message without, each less the lines every recipient's copy adds."""
    return (CAPTION_LIMIT if media else TEXT_LIMIT) - _framing_length()


def content_errors(text: str, media: Media | None) -> list[str]:
    """What is wrong with the content: "text" and/or "media" (empty when it can be sent)."""
    errors = []
    shown = visible_text(text)
    # A photo or document may go without a caption; a text message needs some text.
    # Telegram counts UTF-16 code units: an emoji outside the BMP counts twice. The sender and
    # unsubscribe lines are counted whatever the audience, which may still change in the draft.
    if utf16_length(shown) > content_limit(media is not None) or (media is None and not shown.strip()):
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


def outbox_call(broadcast: Broadcast, locale: str, news: bool) -> tuple[str, dict[str, Any]]:
    """The Bot API method and payload (without ``chat_id``) that deliver the broadcast to a
    recipient who reads ``locale`` (``news``: who receives it as news, see :func:`framed`)."""
    text = framed(broadcast.text or "", locale, news)
    if broadcast.media_kind is None:
        return "sendMessage", {
            "text": text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
    kind = MediaKind(broadcast.media_kind)
    media: str | dict[str, str] = broadcast.media_file_id or {
        # The sender turns this back into an upload.
        "content_b64": base64.b64encode(broadcast.media_bytes or b"").decode("ascii"),
        "filename": broadcast.media_filename or ("photo.jpg" if kind == MediaKind.PHOTO else "document"),
    }
    payload: dict[str, Any] = {kind.value: media, "caption": text, "parse_mode": "HTML"}
    return ("sendPhoto" if kind == MediaKind.PHOTO else "sendDocument"), payload


def inline_media(broadcast: Broadcast) -> bool:
    """Whether the broadcast's file goes with every message (Telegram has no id for it yet)."""
    return broadcast.media_kind is not None and not broadcast.media_file_id
