"""Step 3 of the broadcast wizard and its preview: the message (a text with its Telegram
formatting kept as HTML, or a photo or document with a caption) becomes a draft, or the new
message of one, and is shown exactly as recipients will get it, with the count and the choices."""

from __future__ import annotations

from dataclasses import replace

from telegram import InlineKeyboardMarkup, Message, Update

from bot.authz import requires
from bot.context import BotContext
from bot.i18n import N_
from bot.runtime import outbox
from bot.services import broadcasts, chat_inputs
from bot.services.broadcast_content import (
    Media,
    content_limit,
    outbox_call,
    reaches_news_recipients,
    visible_text,
)
from bot.services.broadcast_results import AudiencePreview, BroadcastOutcome
from bot.telegram_text import utf16_length
from handlers import broadcast_texts as bt
from handlers import broadcast_texts_draft as btd
from handlers.broadcast_wizard_state import (
    AUDIENCE_INPUT,
    CONTENT_INPUT,
    WHEN_INPUT,
    Wizard,
    keep,
    open_question,
    refuse,
    say,
    wizard_of,
)
from handlers.callback_data import Pressed
from handlers.notify import me
from handlers.unsupported import unsupported_message
from models import (
    Broadcast,
    ChatInput,
    MediaKind,
    Role,
    utcnow,
)


def content_prompt(context: BotContext, wizard: Wizard) -> tuple[str, InlineKeyboardMarkup]:
    """The question for the message: of a new broadcast (step 3), or the new message of a draft."""
    r = me(context)
    if wizard.draft_id is not None:
        return btd.change_text_prompt(r, wizard.draft_id)
    return btd.content_prompt(r), btd.content_prompt_markup(r, wizard.token)


async def show_preview(context: BotContext, broadcast: Broadcast) -> None:
    """Send the message as recipients get it (a news recipient's copy, in the coordinator's
    language, when contacts are among them), then the summary with the count and the choices."""
    method, payload = outbox_call(broadcast, context.locale, reaches_news_recipients(broadcast.audience))
    outbox.enqueue(context.db, context.user.telegram_id, method, payload, inbox_id=context.scope.inbox_id)
    r = me(context)
    count = await broadcasts.preview(context.db, broadcast.id) or AudiencePreview(0, 0, 0)
    context.send(
        context.user.telegram_id, btd.preview_text(r, broadcast, count), btd.preview_markup(r, broadcast.id)
    )


async def on_next(context: BotContext, pressed: Pressed) -> None:
    """From the audience to the message (or, changing a draft, store the audience and preview)."""
    row = await open_question(context)
    token = pressed.id(0)
    if row is not None and row.kind == CONTENT_INPUT and token is not None and Wizard.of(row).token == token:
        context.answer()  # a double tap: the question for the message is already open
        return
    found = await wizard_of(context, pressed, (AUDIENCE_INPUT,))
    if found is None:
        return
    row, wizard = found
    if wizard.audience is None:
        say(context, N_("Please choose who should get it first."))
        return
    if wizard.draft_id is None:
        wizard = replace(wizard, screen="narrow")
        await keep(context, CONTENT_INPUT, wizard)
        context.answer()
        context.edit(*content_prompt(context, wizard))
        return
    result = await broadcasts.update_draft(
        context.db, wizard.draft_id, context.user.id, utcnow(), audience=wizard.audience, flt=wizard.flt
    )
    if result.kind != BroadcastOutcome.DONE or result.broadcast is None:
        await chat_inputs.take(context.db, row)
        refuse(context, result.kind)
        return
    await chat_inputs.take(context.db, row)
    context.answer(context.gettext("Saved."))
    context.edit(context.gettext("✅ Audience saved."))
    await show_preview(context, result.broadcast)


def message_of(context: BotContext) -> Message | None:
    """The message of the update being handled (for its formatting as HTML)."""
    update = context._update
    return update.effective_message if update is not None else None


async def take_content(context: BotContext, row: ChatInput, html_text: str, media: Media | None) -> None:
    """The message for a new draft, or the new message of a draft; then the preview."""
    _ = context.gettext
    r = me(context)
    wizard = Wizard.of(row)
    # As Telegram counts, less the sender and unsubscribe lines every copy gets.
    shown = utf16_length(visible_text(html_text))
    limit = content_limit(media is not None)
    if shown > limit:
        error = (
            _(
                "This caption has {length} characters; it may have at most {limit}, as we add the "
                "sender line and the unsubscribe line. Please shorten it and send it again."
            )
            if media is not None
            else _(
                "This text has {length} characters; it may have at most {limit}, as we add the "
                "sender line and the unsubscribe line. Please shorten it and send it again."
            )
        )
        context.reply(error.format(length=bt.number(r, shown), limit=bt.number(r, limit)))
        return
    if media is None and not visible_text(html_text).strip():
        context.reply(_("Please send the message as text, or a photo or a document."))
        return
    now = utcnow()
    if wizard.draft_id is None:
        result = await broadcasts.create_draft(
            context.db, context.user.id, wizard.audience or "", wizard.flt, html_text, now, media
        )
    else:
        result = await broadcasts.update_draft(
            context.db,
            wizard.draft_id,
            context.user.id,
            now,
            text=html_text,
            media=media,
            remove_media=media is None,
        )
    if result.kind == BroadcastOutcome.INVALID and set(result.errors) <= {"text", "media"}:
        context.reply(_("This cannot be sent as a broadcast. Please send a text, or a photo or a document."))
        return
    if not await chat_inputs.take(context.db, row):
        return
    if result.kind != BroadcastOutcome.DONE or result.broadcast is None:
        context.reply(_("This broadcast is no longer a draft: it was sent, scheduled or discarded."))
        return
    await show_preview(context, result.broadcast)


async def on_media(update: Update, context: BotContext) -> None:
    """A non-text message: the broadcast's photo or document when this module asked; else the fallback's."""
    row = await open_question(context) if context.scope.user is not None else None
    if row is None:
        await unsupported_message(update, context)
        return
    await _media_answer(update, context)


@requires(Role.COORDINATOR)
async def _media_answer(update: Update, context: BotContext) -> None:
    """A photo or document for the open question: the broadcast's attachment if the message was asked for."""
    _ = context.gettext
    row = await open_question(context)
    message = update.effective_message
    if row is None or message is None:
        return
    if row.kind != CONTENT_INPUT:
        hint = (
            _("Please type the date and time, e.g. 24.12.2026 09:00.")
            if row.kind == WHEN_INPUT
            else _("Please use the buttons above, or type the name of a Kreis.")
        )
        context.reply(hint)
        return
    media: Media | None = None
    if message.photo:
        media = Media(MediaKind.PHOTO, file_id=message.photo[-1].file_id)
    elif message.document is not None:
        media = Media(
            MediaKind.DOCUMENT, file_id=message.document.file_id, filename=message.document.file_name
        )
    if media is None:
        context.reply(
            _(
                "This kind of message cannot be sent as a broadcast. Please send a text, or a photo or a "
                "document with a caption."
            )
        )
        return
    await take_content(context, row, message.caption_html or "", media)
