"""/export: requests and advisors of a period as a spreadsheet, for coordinators.

``/export`` offers periods (or ``/export 2026``, ``/export 01.01.2026 30.06.2026``), then a format.
This module holds the command and its two screens; the period lives in
:mod:`handlers.export_period`, the files in :mod:`handlers.export_files`.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.authz import InGroup, private_only, requires
from bot.commands import command
from bot.context import BotContext
from handlers.callback_data import EXPORT, data, parse, pattern
from handlers.export_files import FORMATS, send_export
from handlers.export_period import PRESETS, Span, button_span, parse_span, preset_span, span_text
from models import Role


def _hint(context: BotContext) -> str:
    """The hint how to type a period of one's own after /export."""
    name = command("export").name(context.locale)
    return context.gettext(
        "For a period of your own, type a year or two dates, e.g. /{command} 2026 or "
        "/{command} 01.01.2026 30.06.2026."
    ).format(command=name)


def _period_chooser(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    """The first export screen: the period buttons."""
    _ = context.gettext
    text = "\n\n".join(
        [
            _("📤 <b>Export</b>"),
            _("Requests and advisors as a spreadsheet. Which period?"),
            _hint(context),
        ]
    )
    keys = list(PRESETS)
    rows = [
        [InlineKeyboardButton(_(PRESETS[k]), callback_data=data(EXPORT, "p", k)) for k in keys[i : i + 2]]
        for i in range(0, len(keys), 2)
    ]
    return text, InlineKeyboardMarkup(rows)


def _format_chooser(context: BotContext, span: Span) -> tuple[str, InlineKeyboardMarkup]:
    """The second export screen: the format buttons for a chosen span."""
    _ = context.gettext
    text = "\n\n".join(
        [
            _("📤 <b>Export {span}</b>").format(span=span_text(context, span)),
            _("Which format?"),
            _("• Excel (XLSX): one workbook with a sheet of requests and a sheet of advisors.")
            + "\n"
            + _("• CSV for German Excel: two files, requests and advisors, separated by semicolons."),
        ]
    )
    rows = [
        [InlineKeyboardButton(_(label), callback_data=data(EXPORT, "f", key, *span.args()))]
        for key, label in FORMATS.items()
    ]
    rows.append([InlineKeyboardButton(_("◀️ Another period"), callback_data=data(EXPORT, "back"))])
    return text, InlineKeyboardMarkup(rows)


@requires(Role.COORDINATOR)
@private_only(InGroup.REFUSE)
async def export_command(update: Update, context: BotContext) -> None:
    """Answer /export with the periods to choose from; with a typed period, with the formats."""
    text = update.effective_message.text if update.effective_message else ""
    typed = (text or "").partition(" ")[2].strip()
    if not typed:
        context.reply(*_period_chooser(context))
        return
    span = parse_span(typed[:100])
    if span is None:
        context.reply(context.gettext("We did not understand that period.") + "\n\n" + _hint(context))
        return
    context.reply(*_format_chooser(context, span))


@requires(Role.COORDINATOR)
@private_only(InGroup.REFUSE)
async def export_button(update: Update, context: BotContext) -> None:
    """The period, format and back buttons of the export."""
    assert update.callback_query is not None
    _ = context.gettext
    pressed = parse(update.callback_query.data, EXPORT)
    if pressed is not None and pressed.action == "p" and pressed.arg(0) in PRESETS:
        context.answer()
        context.edit(*_format_chooser(context, await preset_span(context, pressed.arg(0))))
        return
    if pressed is not None and pressed.action == "back":
        context.answer()
        context.edit(*_period_chooser(context))
        return
    span = button_span(pressed.arg(1), pressed.arg(2)) if pressed is not None else None
    if pressed is None or pressed.action != "f" or pressed.arg(0) not in FORMATS or span is None:
        context.answer(_("This button is no longer valid."), alert=True)
        return
    context.answer(_("The file is on its way."))
    await send_export(context, span, pressed.arg(0))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("export").names, export_command),
        CallbackQueryHandler(export_button, pattern=pattern(EXPORT)),
    ]
