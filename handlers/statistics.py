"""/statistik and /stats: the programme's funnel and what people ask, for coordinators.

The numbers come from the stored request events and questions (bot/services/funnel_stats.py,
question_stats.py); this module only words them and draws them as images.
"""

from __future__ import annotations

import asyncio
import base64
import html
from datetime import timedelta

from babel.numbers import format_decimal
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import i18n
from bot.authz import requires
from bot.commands import command
from bot.context import BotContext
from bot.runtime import outbox
from bot.services import charts, funnel_stats
from bot.services.funnel_stats import FunnelCounts, Period
from bot.services.knowledge import knowledge_base
from bot.services.question_stats import question_stats
from models import Role, utcnow

PERIOD_DAYS = {"30": 30, "365": 365, "all": 365 * 20}
PREFIX = "stats:"


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)} %"


def _days(value: float | None, locale: str) -> str:
    return "–" if value is None else format_decimal(round(value, 1), "0.0", locale=locale)


def _funnel_lines(context: BotContext, counts: FunnelCounts) -> list[str]:
    _ = context.gettext
    conversions = counts.conversions()
    return [
        _("Requests: {count}").format(count=counts.requests),
        _("Offered: {count} ({share})").format(count=counts.offered, share=_percent(conversions[0])),
        _("Accepted: {count} ({share})").format(count=counts.accepted, share=_percent(conversions[1])),
        _("Kickoff talks held: {count} ({share})").format(
            count=counts.kickoffs_held, share=_percent(conversions[2])
        ),
        _("Multi-month consultations: {count} ({share})").format(
            count=counts.consultations, share=_percent(conversions[3])
        ),
        _("Median days to acceptance: {days} · to the kickoff: {more}").format(
            days=_days(counts.median_days_to_accept, context.locale),
            more=_days(counts.median_days_to_kickoff, context.locale),
        ),
    ]


def _breakdown_line(context: BotContext, name: str, counts: FunnelCounts) -> str:
    # Labels before the numbers read right for 1 and for many, in both languages.
    return context.gettext(
        "{name}: requests {requests} · kickoffs {held} · consultations {consultations}"
    ).format(
        name=name, requests=counts.requests, held=counts.kickoffs_held, consultations=counts.consultations
    )


def _period_buttons(context: BotContext) -> InlineKeyboardMarkup:
    _ = context.gettext
    labels = {"30": _("30 days"), "365": _("12 months"), "all": _("All time")}
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"{PREFIX}{key}") for key, label in labels.items()]]
    )


async def _report(context: BotContext, key: str) -> None:
    _ = context.gettext
    now = utcnow()
    period = Period(now - timedelta(days=PERIOD_DAYS[key]), now)
    stats = await funnel_stats.compute(context.db, period)
    questions = await question_stats(context.db, period.start, period.end)
    lines = [
        _("<b>Statistics from {start} to {end}</b>").format(
            start=i18n.format_date(period.start, context.locale, context.settings.tz, "medium"),
            end=i18n.format_date(period.end, context.locale, context.settings.tz, "medium"),
        ),
        *_funnel_lines(context, stats.total),
        "",
        _("<b>By Regierungsbezirk</b>"),
    ]
    for rb_key, counts in sorted(stats.by_regierungsbezirk.items()):
        name = stats.regierungsbezirk_names.get(rb_key, rb_key)
        lines.append(_breakdown_line(context, html.escape(name), counts))
    lines += ["", _("<b>By language</b>")]
    for code, counts in sorted(stats.by_language.items(), key=lambda item: -item[1].requests)[:10]:
        lines.append(_breakdown_line(context, i18n.language_name(code, context.locale), counts))
    lines += [
        "",
        _("<b>Questions</b>"),
        _("Asked: {asked} · not answered well: {failed} ({share}) · open handovers: {open}").format(
            asked=questions.asked,
            failed=questions.failed,
            share=_percent(questions.failure_rate if questions.asked else None),
            open=questions.open_handovers,
        ),
    ]
    base = knowledge_base()
    for entry in questions.top_entries[:5]:
        known = base.get(entry.entry_id)
        title = known.text(context.locale).title if known is not None else entry.entry_id
        lines.append(
            _("{entry}: asked {asked} · not helpful {not_helpful}").format(
                entry=html.escape(title), asked=entry.asked, not_helpful=entry.not_helpful
            )
        )
    context.reply("\n".join(lines)[:4000], _period_buttons(context))
    # Drawing takes a few tenths of a second: off the event loop, so sending and polling go on.
    funnel = await asyncio.to_thread(charts.funnel_chart, stats.total, _funnel_labels(context))
    places = await asyncio.to_thread(charts.municipality_map, stats.places, _map_labels(context))
    span = _span(context, period)
    _send_chart(
        context,
        "requests-by-stage.png",
        funnel,
        _("Requests by stage, {period}. In brackets: the share of the stage before.").format(period=span),
    )
    _send_chart(
        context,
        "requests-by-municipality.png",
        places,
        _(
            "Requests by municipality, {period}. The larger the red circle, the more requests; a "
            "request for a whole district is shown at its centre."
        ).format(period=span),
    )


def _span(context: BotContext, period: Period) -> str:
    """The period as the captions name it: "03.12.2025 – 03.12.2026"."""
    tz = context.settings.tz
    first = i18n.format_date(period.start, context.locale, tz, "medium")
    return f"{first} – {i18n.format_date(period.end, context.locale, tz, 'medium')}"


def _funnel_labels(context: BotContext) -> charts.FunnelLabels:
    _ = context.gettext
    stages = (_("Requests"), _("Offered"), _("Accepted"), _("Kickoffs held"), _("Consultations"))
    return charts.FunnelLabels(title=_("Requests by stage"), stages=stages)


def _map_labels(context: BotContext) -> charts.MapLabels:
    _ = context.gettext
    return charts.MapLabels(
        title=_("Requests by municipality"),
        municipalities=_("Municipalities"),
        requests=_("Requests"),
        regierungsbezirk=_("Regierungsbezirk {name}"),
    )


def _send_chart(context: BotContext, filename: str, png: bytes, caption: str) -> None:
    """Queue a chart as a photo with its caption in this chat (the sender uploads the stored bytes).

    Every chart says in words what it shows: a photo alone is mute in notifications and lists.
    """
    assert context._update is not None and context._update.effective_chat is not None
    outbox.enqueue(
        context.db,
        context._update.effective_chat.id,
        "sendPhoto",
        {
            "photo": {"filename": filename, "content_b64": base64.b64encode(png).decode()},
            "caption": caption,
        },
        inbox_id=context.scope.inbox_id,
    )


@requires(Role.COORDINATOR)
async def show_statistics(update: Update, context: BotContext) -> None:
    """Answer /statistik and /stats with the last 12 months."""
    await _report(context, "365")


@requires(Role.COORDINATOR)
async def choose_period(update: Update, context: BotContext) -> None:
    """A period button: the same report for that period."""
    key = (update.callback_query.data or "").removeprefix(PREFIX) if update.callback_query else ""
    if key not in PERIOD_DAYS:
        context.answer(context.gettext("This button is no longer valid."), alert=True)
        return
    context.answer()
    await _report(context, key)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers."""
    return [
        CommandHandler(command("statistics").names, show_statistics),
        CallbackQueryHandler(choose_period, pattern=f"^{PREFIX}"),
    ]
