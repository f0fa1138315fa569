"""The daily request limit (MAX_REQUESTS_PER_DAY): checked when a contact starts and when they send.

Starting is refused only when no draft exists (a draft in progress may be finished and is kept,
so it can be sent once the limit allows); sending is always checked. Coordinators are exempt: they
may enter requests for municipalities that called them.
"""

from __future__ import annotations

from datetime import datetime

from bot.context import BotContext
from bot.services import intake
from handlers.menus import contact_line
from models import Role


async def next_allowed(context: BotContext) -> datetime | None:
    """When this user may send their next request; None while they may send one now."""
    if context.user.has_role(Role.COORDINATOR):
        return None
    return await intake.next_request_at(context.db, context.user.id, context.settings.max_requests_per_day)


def refusal(context: BotContext, when: datetime, *, draft_kept: bool) -> str:
    """The polite "not today": how many were sent, when the next one is possible, how to reach us."""
    _ = context.gettext
    per_day = context.settings.max_requests_per_day
    lines = [
        "⏳ "
        + context.ngettext(
            "You have already sent {count} request in the last 24 hours. That is as many as we can "
            "take from one person per day.",
            "You have already sent {count} requests in the last 24 hours. That is as many as we can "
            "take from one person per day.",
            per_day,
        ).format(count=per_day),
        _("You can send your next request from {when}.").format(when=context.format_datetime(when, "short")),
    ]
    if draft_kept:
        lines.append(
            _("Your answers are kept until then: just press “📨 Send request” again after that time.")
        )
    lines.append(_("If it is urgent, please contact the programme team directly."))
    lines.append(contact_line(context))
    return "\n\n".join(lines)
