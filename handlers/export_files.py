"""The files of an export: tables in the coordinator's language, written and queued as documents.

One Excel workbook with a requests sheet and an advisors sheet, or two CSV files for German
Excel. The tables come from :mod:`bot.services.exports`; the files are written off the event loop.
"""

from __future__ import annotations

import asyncio
import base64

from bot.context import BotContext
from bot.i18n import N_
from bot.runtime import outbox
from bot.services import audit, exports
from bot.services.exports import Labels, Table
from handlers.export_period import Span, span_text
from handlers.intake.labels import TOPICS
from handlers.request_view import STAFF_STATUS_WORDS
from models import AuditAction, MeetingFormat, utcnow

XLSX, CSV = "xlsx", "csv"
FORMATS = {XLSX: N_("📊 Excel (XLSX)"), CSV: N_("📄 CSV for German Excel")}

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


def _labels(context: BotContext, headers: dict[str, str]) -> Labels:
    """Headers and cell values of a table in the coordinator's language."""
    _ = context.gettext
    values = {
        **{str(k): _(v) for k, v in STAFF_STATUS_WORDS.items()},
        **{str(k): _(v) for k, v in FORMAT_NAMES.items()},
        **{k: _(v) for k, v in TOPICS.items()},
    }
    return Labels({k: _(v) for k, v in headers.items()}, values, context.locale)


def _filename(context: BotContext, what: str, span: Span, extension: str) -> str:
    """The name of an export file: catalog word, span and extension."""
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
    """The caption line counting a period's requests."""
    if not table.rows:
        return context.gettext("No requests in this period.")
    count = len(table.rows)
    return context.ngettext("{count} request", "{count} requests", count).format(count=count)


def _advisor_count(context: BotContext, table: Table) -> str:
    """The caption line counting the advisors."""
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
    heading = _("📤 <b>Export {span}</b>").format(span=span_text(context, span))
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
