"""/export: requests and advisors of a period as a spreadsheet, for coordinators.

``/export`` offers periods (or ``/export 2026``, ``/export 01.01.2026 30.06.2026``), then a format:
one Excel workbook with a requests sheet and an advisors sheet, or two CSV files for German Excel.
The tables come from :mod:`bot.services.exports` with headers and values in the coordinator's
language; the files are written off the event loop and queued as documents.

A format button carries the period as two dates, so what it exports does not move with the day it
is pressed; both are checked again when it is pressed.
"""

from __future__ import annotations

import asyncio
import base64
import re
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date
from sqlalchemy import func, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.authz import InGroup, private_only, requires
from bot.commands import command
from bot.context import BotContext
from bot.i18n import N_
from bot.runtime import outbox
from bot.services import audit, exports
from bot.services.exports import Labels, Table
from bot.services.funnel_stats import Period
from handlers.callback_data import EXPORT, data, parse, pattern
from handlers.intake.labels import TOPICS
from handlers.request_view import STAFF_STATUS_WORDS
from models import AuditAction, KickoffRequest, MeetingFormat, Role, utcnow

PRESETS = {
    "30": N_("Last 30 days"),
    "12m": N_("Last 12 months"),
    "ty": N_("This year"),
    "ly": N_("Last year"),
    "all": N_("All time"),
}
XLSX, CSV = "xlsx", "csv"
FORMATS = {XLSX: N_("📊 Excel (XLSX)"), CSV: N_("📄 CSV for German Excel")}
# Dates a period may span; a forged or mistyped year outside this is refused politely.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
_DAY = timedelta(days=1)
_COMPACT = "%Y%m%d"
_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})|(\d{4})-(\d{1,2})-(\d{1,2})")
# What may stand between two typed dates: "01.01.2026 - 30.06.2026", "… bis …", "… to …".
_SEPARATORS = re.compile(r"[\s,;–—-]+|\b(?:bis|to|until)\b", re.IGNORECASE)

REQUEST_HEADERS = {
    "reference": N_("Reference"),
    "created_at": N_("Received on"),
    "status": N_("Status"),
    "place": N_("Municipality"),
    "kreis": N_("Kreis"),
    "regierungsbezirk": N_("Regierungsbezirk"),
    "languages": N_("Languages"),
    "topics": N_("Topics"),
    "goals": N_("Goals and context"),
    "meeting_format": N_("Format"),
    "advisor": N_("Advisor"),
    "kickoff_at": N_("Kickoff talk"),
    "kickoff_held": N_("Kickoff talk held"),
    "consultation": N_("Consultation agreed"),
    "contact_name": N_("Contact person"),
    "contact_role": N_("Department / role"),
    "email": N_("E-mail"),
    "phone": N_("Phone"),
    "updated_at": N_("Last change"),
}
ADVISOR_HEADERS = {
    "name": N_("Name"),
    "languages": N_("Languages"),
    "kreise": N_("Kreise served"),
    "regierungsbezirke": N_("Regierungsbezirke served"),
    "home": N_("Place of residence"),
    "capacity": N_("Capacity"),
    "open_load": N_("Open requests"),
    "active": N_("Active"),
    "paused_until": N_("Paused until"),
    "requests_in_period": N_("Requests taken in the period"),
    "created_at": N_("Registered on"),
}
# Plain words in a spreadsheet cell: the intake's buttons carry emoji.
FORMAT_NAMES = {
    MeetingFormat.ON_SITE: N_("On site"),
    MeetingFormat.ONLINE: N_("Online"),
    MeetingFormat.PHONE: N_("By phone"),
}


@dataclass(frozen=True)
class Span:
    """The calendar days of an export, both included, in the programme's time zone."""

    first: date
    last: date

    def period(self, context: BotContext) -> Period:
        """The span as the half-open period the services filter by."""
        return Period.from_dates(self.first, self.last, context.settings.tz)

    def args(self) -> tuple[str, str]:
        """The span as callback data arguments."""
        return self.first.strftime(_COMPACT), self.last.strftime(_COMPACT)


def _today(context: BotContext) -> date:
    return utcnow().astimezone(context.settings.tz).date()


def _year_ago(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


async def _preset(context: BotContext, key: str) -> Span:
    today = _today(context)
    if key == "30":
        return Span(today - timedelta(days=29), today)
    if key == "12m":
        return Span(_year_ago(today) + _DAY, today)
    if key == "ty":
        return Span(date(today.year, 1, 1), today)
    if key == "ly":
        return Span(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    # All time: from the day of the first request (today when there is none yet).
    first = await context.db.scalar(select(func.min(KickoffRequest.created_at)))
    start = first.astimezone(context.settings.tz).date() if first is not None else today
    return Span(min(start, today), today)


def _checked(first: date, last: date) -> Span | None:
    if first > last:
        first, last = last, first
    if first < EARLIEST or last > LATEST:
        return None
    return Span(first, last)


def _button_span(first: str, last: str) -> Span | None:
    """The span a format button carries; None when forged or garbled."""
    if len(first) != 8 or len(last) != 8 or not (first + last).isdigit():
        return None
    try:
        start = date(int(first[:4]), int(first[4:6]), int(first[6:]))
        end = date(int(last[:4]), int(last[4:6]), int(last[6:]))
    except ValueError:
        return None
    return _checked(start, end) if start <= end else None


def parse_span(text: str) -> Span | None:
    """A period typed after /export: a year ("2026") or two dates ("01.01.2026 30.06.2026",
    "2026-01-01 – 2026-06-30"); None for anything else."""
    text = text.strip()
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return Span(date(year, 1, 1), date(year, 12, 31)) if EARLIEST.year <= year <= LATEST.year else None
    found = list(_DATE.finditer(text))
    if len(found) != 2 or _SEPARATORS.sub("", _DATE.sub("", text)):
        return None
    days = []
    for match in found:
        d, m, y, iso_y, iso_m, iso_d = match.groups()
        try:
            days.append(date(int(y), int(m), int(d)) if y else date(int(iso_y), int(iso_m), int(iso_d)))
        except ValueError:
            return None
    return _checked(days[0], days[1])


def _day(context: BotContext, day: date) -> str:
    return format_date(day, format="medium", locale=context.locale)


def _span_text(context: BotContext, span: Span) -> str:
    return f"{_day(context, span.first)} – {_day(context, span.last)}"


def _hint(context: BotContext) -> str:
    name = command("export").name(context.locale)
    return context.gettext(
        "For a period of your own, type a year or two dates, e.g. /{command} 2026 or "
        "/{command} 01.01.2026 30.06.2026."
    ).format(command=name)


def _period_chooser(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
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
    _ = context.gettext
    text = "\n\n".join(
        [
            _("📤 <b>Export {span}</b>").format(span=_span_text(context, span)),
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


def _labels(context: BotContext, headers: dict[str, str]) -> Labels:
    _ = context.gettext
    values = {
        **{str(k): _(v) for k, v in STAFF_STATUS_WORDS.items()},
        **{str(k): _(v) for k, v in FORMAT_NAMES.items()},
        **{k: _(v) for k, v in TOPICS.items()},
    }
    return Labels({k: _(v) for k, v in headers.items()}, values, context.locale)


def _filename(context: BotContext, what: str, span: Span, extension: str) -> str:
    # The words come from the catalog ("miglobe-requests" → "miglobe-anfragen"), the rest is fixed.
    return f"{context.gettext(what)}-{span.first.isoformat()}_{span.last.isoformat()}.{extension}"


def _send_document(context: BotContext, filename: str, content: bytes, caption: str) -> None:
    """Queue a file in this chat (the sender uploads the stored bytes)."""
    assert context._update is not None and context._update.effective_chat is not None
    outbox.enqueue(
        context.db,
        context._update.effective_chat.id,
        "sendDocument",
        {
            "document": {"filename": filename, "content_b64": base64.b64encode(content).decode("ascii")},
            "caption": caption,
            "parse_mode": "HTML",
        },
        inbox_id=context.scope.inbox_id,
    )


def _request_count(context: BotContext, table: Table) -> str:
    if not table.rows:
        return context.gettext("No requests in this period.")
    count = len(table.rows)
    return context.ngettext("{count} request", "{count} requests", count).format(count=count)


def _advisor_count(context: BotContext, table: Table) -> str:
    count = len(table.rows)
    return context.ngettext("{count} advisor", "{count} advisors", count).format(count=count)


async def send_export(context: BotContext, span: Span, kind: str) -> None:
    """Build the tables of ``span``, write them as ``kind`` off the event loop and queue the files."""
    _ = context.gettext
    tz, period = context.settings.tz, span.period(context)
    requests = await exports.requests_table(
        context.db, period, tz, _labels(context, REQUEST_HEADERS), name=_("Requests")
    )
    advisors = await exports.advisors_table(
        context.db, period, tz, _labels(context, ADVISOR_HEADERS), name=_("Advisors")
    )
    heading = _("📤 <b>Export {span}</b>").format(span=_span_text(context, span))
    # Exports carry personal data out of the bot: who took which period, and when, is recorded.
    audit.record(
        context.db,
        context.user.id,
        AuditAction.EXPORT,
        utcnow(),
        details={"from": period.start.isoformat(), "to": period.end.isoformat(), "format": kind},
    )
    if kind == XLSX:
        # Writing a workbook of thousands of rows takes a moment: not on the loop that sends and polls.
        content = await asyncio.to_thread(exports.to_xlsx, [requests, advisors])
        caption = f"{heading}\n{_request_count(context, requests)} · {_advisor_count(context, advisors)}"
        _send_document(context, _filename(context, N_("miglobe-requests"), span, XLSX), content, caption)
        return
    yes_no = (_("Yes"), _("No"))
    files = (
        (requests, N_("miglobe-requests"), _request_count(context, requests)),
        (advisors, N_("miglobe-advisors"), _advisor_count(context, advisors)),
    )
    for table, what, counted in files:
        content = await asyncio.to_thread(exports.to_csv, table, yes_no)
        _send_document(context, _filename(context, what, span, CSV), content, f"{heading}\n{counted}")


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
        context.edit(*_format_chooser(context, await _preset(context, pressed.arg(0))))
        return
    if pressed is not None and pressed.action == "back":
        context.answer()
        context.edit(*_period_chooser(context))
        return
    span = _button_span(pressed.arg(1), pressed.arg(2)) if pressed is not None else None
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
