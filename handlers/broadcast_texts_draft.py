"""Texts and keyboards of the broadcast wizard from step 3 on: asking for the message, the preview
with its choices, scheduling, and the question whether to continue an unfinished broadcast."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.services.broadcast_audience import AudienceFilter
from bot.services.broadcast_content import PROGRAMME_NAME, content_limit
from bot.services.broadcast_results import AudiencePreview
from handlers.broadcast_texts import button, number, title
from handlers.broadcast_texts_audience import audience_block
from handlers.callback_data import BROADCAST, data
from handlers.notify import Reader
from models import Broadcast, BroadcastAudience


def limits(reader: Reader) -> str:
    """How long the message may be, with the lines every copy gets (as the wizard checks it)."""
    return reader._(
        "A text may have up to {text} characters, a caption up to {caption}. We add “📣 {sender}” on "
        "top and, for programme news, how to unsubscribe below."
    ).format(
        text=number(reader, content_limit(False)),
        caption=number(reader, content_limit(True)),
        sender=PROGRAMME_NAME,
    )


def content_prompt(reader: Reader) -> str:
    """Step 3: asking for the message."""
    return "\n".join(
        [
            reader._("📣 <b>New broadcast</b> · step 3 of 4"),
            reader._(
                "Now send the message exactly as it should arrive: text (bold, italic and links are kept), "
                "or a photo or a document with a caption."
            ),
            limits(reader),
        ]
    )


def content_prompt_markup(reader: Reader, token: int) -> InlineKeyboardMarkup:
    """Back to the audience, or discard."""
    return InlineKeyboardMarkup(
        [
            [
                button(reader._("⬅️ Audience"), data(BROADCAST, "m", token, "narrow")),
                button(reader._("✖ Discard"), data(BROADCAST, "z", token)),
            ]
        ]
    )


def change_text_prompt(reader: Reader, broadcast_id: int) -> tuple[str, InlineKeyboardMarkup]:
    """Asking for a new text of a draft."""
    text = "\n".join(
        [
            title(reader, broadcast_id),
            reader._("Send the new message: text, or a photo or a document with a caption."),
            limits(reader),
        ]
    )
    back = InlineKeyboardMarkup(
        [[button(reader._("⬅️ Back to the preview"), data(BROADCAST, "p", broadcast_id))]]
    )
    return text, back


def preview_text(reader: Reader, broadcast: Broadcast, count: AudiencePreview) -> str:
    """Step 4: the summary under the preview."""
    lines = [
        reader._("👆 This is exactly how it will arrive."),
        "",
        "📣 " + reader._("<b>Broadcast #{id}</b> (draft) · step 4 of 4").format(id=broadcast.id),
        audience_block(reader, broadcast.audience, AudienceFilter.from_json(broadcast.filters), count),
    ]
    if broadcast.audience == BroadcastAudience.BOTH:
        lines.append(reader._("Advisors get it without the line to unsubscribe from programme news."))
    if count.total == 0:
        lines.append(reader._("⚠️ Nobody matches right now; sending it would reach no one."))
    return "\n".join(lines)


def preview_markup(reader: Reader, broadcast_id: int) -> InlineKeyboardMarkup:
    """Send now, schedule, change audience or text, discard."""
    return InlineKeyboardMarkup(
        [
            [
                button(reader._("🚀 Send now"), data(BROADCAST, "s", broadcast_id)),
                button(reader._("🕒 Schedule"), data(BROADCAST, "t", broadcast_id)),
            ],
            [
                button(reader._("👥 Change audience"), data(BROADCAST, "ea", broadcast_id)),
                button(reader._("✏️ Change text"), data(BROADCAST, "et", broadcast_id)),
            ],
            [button(reader._("🗑 Discard"), data(BROADCAST, "d", broadcast_id))],
        ]
    )


def schedule_text(reader: Reader, broadcast_id: int) -> str:
    """Choosing when."""
    return "\n".join(
        [
            title(reader, broadcast_id),
            reader._("When should it go out? Choose, or type a date and time."),
        ]
    )


def schedule_markup(reader: Reader, broadcast_id: int) -> InlineKeyboardMarkup:
    """Quick choices, typing a moment, back."""
    return InlineKeyboardMarkup(
        [
            [button(reader._("In 1 hour"), data(BROADCAST, "q", broadcast_id, "h"))],
            [button(reader._("Tomorrow 09:00"), data(BROADCAST, "q", broadcast_id, "t"))],
            [button(reader._("Monday 09:00"), data(BROADCAST, "q", broadcast_id, "m"))],
            [button(reader._("⌨️ Type a date and time"), data(BROADCAST, "w", broadcast_id))],
            [button(reader._("⬅️ Back to the preview"), data(BROADCAST, "p", broadcast_id))],
        ]
    )


def when_prompt(reader: Reader, broadcast_id: int) -> tuple[str, InlineKeyboardMarkup]:
    """Asking for a typed moment."""
    text = "\n".join(
        [
            title(reader, broadcast_id),
            reader._(
                "Please send the date and time as DD.MM.YYYY HH:MM, German time, e.g. 24.12.2026 09:00."
            ),
        ]
    )
    return text, InlineKeyboardMarkup(
        [[button(reader._("⬅️ Back to the preview"), data(BROADCAST, "p", broadcast_id))]]
    )


def unfinished_text(reader: Reader) -> str:
    """/rundruf while a draft is open."""
    return reader._(
        "📣 You have an unfinished broadcast. Continue with it, or start over (it is then discarded)?"
    )


def unfinished_markup(reader: Reader) -> InlineKeyboardMarkup:
    """Continue, start over, recent list."""
    return InlineKeyboardMarkup(
        [
            [
                button(reader._("▶️ Continue"), data(BROADCAST, "k")),
                button(reader._("🆕 Start over"), data(BROADCAST, "o")),
            ],
            [button(reader._("📋 Recent broadcasts"), data(BROADCAST, "l"))],
        ]
    )
