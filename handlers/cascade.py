"""Telling people what the offer cascade did: offers to advisors, escalations to coordinators,
the advisor found for a contact, offers that passed on. Used by handlers and the deadline sweeps.

Texts are built for each recipient's language; nothing personal of the contact goes to an advisor
before they hold the request (``offers.holder``).
"""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import BotContext
from bot.runtime.outbox import TELEGRAM_TEXT_LIMIT
from bot.services import offers
from bot.services.offer_sweeps import OfferReminder
from bot.services.offers import OfferOutcome, OfferResult, OfferTiming
from bot.telegram_text import visible_length
from handlers import reasons, request_view
from handlers.callback_data import ASSIGN, BOOK, OFFER, REQUESTS, data
from handlers.notify import Outbox, Reader
from models import Advisor, KickoffRequest, Offer, OutboxLane, RequestStatus, utcnow

MAX_ASSIGN_BUTTONS = 8


def offer_message(
    r: Reader, offer: Offer, request: KickoffRequest, heading: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The offer as its advisor sees it: what it is about, why them, until when; accept or decline."""
    head = heading or r._("📨 <b>New request {reference}</b>").format(
        reference=html.escape(request.reference)
    )
    why = reasons.own_reasons(r, offer.ranking or [], offer.advisor_id)
    parts = [head, request_view.facts(r, request)]
    if why:
        parts.append(r._("<b>Why you:</b> {reasons}").format(reasons=why))
    parts.append(
        r._("Please answer by {deadline}. The contact's details are shown once you accept.").format(
            deadline=r.when(offer.respond_by)
        )
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(r._("✅ Accept"), callback_data=data(OFFER, "a", offer.id)),
                InlineKeyboardButton(r._("✖️ Decline"), callback_data=data(OFFER, "d", offer.id)),
            ]
        ]
    )
    return "\n\n".join(parts), markup


def held_message(
    r: Reader, request: KickoffRequest, heading: str, *, propose: bool = True
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A request the reader holds: everything, the contact's details included, and the next step."""
    parts = [heading, request_view.facts(r, request), request_view.contact(r, request)]
    if not propose:
        return "\n\n".join(parts), None
    parts.append(r._("Next: propose a date for the kickoff talk; the contact confirms it here in the chat."))
    button = InlineKeyboardButton(r._("📅 Propose a date"), callback_data=data(BOOK, "p", request.id))
    return "\n\n".join(parts), InlineKeyboardMarkup([[button]])


def accepted_heading(r: Reader, request: KickoffRequest) -> str:
    """The heading of the message an advisor gets after accepting."""
    return r._("✅ <b>You accepted {reference}.</b> Thank you!").format(
        reference=html.escape(request.reference)
    )


def assign_buttons(
    r: Reader, request_id: int, ranking: list[dict[str, Any]]
) -> list[list[InlineKeyboardButton]]:
    """One "assign" button per advisor a coordinator may choose, best first."""
    rows = []
    for candidate in [c for c in ranking if reasons.assignable(c)][:MAX_ASSIGN_BUTTONS]:
        label = r._("👤 Assign {name}").format(name=str(candidate.get("name", ""))[:40])
        rows.append(
            [
                InlineKeyboardButton(
                    label, callback_data=data(ASSIGN, "a", request_id, candidate["advisor_id"])
                )
            ]
        )
    return rows


# A request can be assigned by hand while nobody holds it and it is not closed.
ASSIGNABLE = (RequestStatus.SUBMITTED, RequestStatus.OFFERED, RequestStatus.NO_MATCH)


def ranking_message(
    r: Reader, request: KickoffRequest, ranking: list[dict[str, Any]], heading: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The request, the ranked advisors with their reasons, and buttons to assign by hand (only while
    it can be assigned: a request someone holds or that is closed gets its details button alone)."""
    head = [heading, request_view.facts(r, request), r._("<b>Advisors, best fit first:</b>")]
    for shown in range(reasons.RANKING_SHOWN, 0, -1):
        # Long names and many reasons: list fewer advisors rather than exceed Telegram's limit.
        text = "\n\n".join([*head, "\n".join(reasons.ranking_lines(r, ranking, shown))])
        if visible_length(text) <= TELEGRAM_TEXT_LIMIT:
            break
    details = InlineKeyboardButton(
        r._("📄 Details, close, note"), callback_data=data(REQUESTS, "d", request.id)
    )
    assign = assign_buttons(r, request.id, ranking) if request.status in ASSIGNABLE else []
    return text, InlineKeyboardMarkup([*assign, [details]])


async def _to_advisor(out: Outbox, advisor: Advisor | None) -> Reader | None:
    return await out.reader(advisor.user_id) if advisor is not None else None


async def tell_contact_advisor_found(out: Outbox, request: KickoffRequest, advisor: Advisor) -> None:
    """The contact learns who will advise them (name, languages) and what happens next."""
    r = await out.reader(request.contact_user_id)
    if r is None:
        return
    name = html.escape(advisor.display_name)
    text = "\n\n".join(
        [
            r._("🎉 <b>Good news:</b> {name} will advise you on your request {reference}.").format(
                name=name, reference=html.escape(request.reference)
            ),
            r._("Languages: {languages}").format(languages=html.escape(r.languages(advisor.languages or []))),
            r._(
                "What happens next: {name} proposes a date for the kickoff talk here in this chat; "
                "you can confirm it or ask for another."
            ).format(name=name),
        ]
    )
    out.send(r, text)


async def _offered(out: Outbox, result: OfferResult, lane: OutboxLane) -> None:
    r = await _to_advisor(out, result.advisor)
    if r is not None and result.offer is not None and result.request is not None:
        out.send(r, *offer_message(r, result.offer, result.request), lane=lane)


async def _escalated(out: Outbox, result: OfferResult) -> None:
    request = result.request
    if request is None:
        return
    ranking = result.ranking.to_json() if result.ranking is not None else []
    for r in await out.coordinator_rooms():
        heading = r._("⚠️ <b>No advisor found for {reference}.</b> Please assign it by hand.").format(
            reference=html.escape(request.reference)
        )
        out.send(r, *ranking_message(r, request, ranking, heading))


async def _assigned(out: Outbox, result: OfferResult) -> None:
    request, advisor = result.request, result.advisor
    if request is None or advisor is None:
        return
    r = await _to_advisor(out, advisor)
    if r is not None:
        heading = r._("📌 <b>The coordination team assigned {reference} to you.</b>").format(
            reference=html.escape(request.reference)
        )
        out.send(r, *held_message(r, request, heading))
    await tell_contact_advisor_found(out, request, advisor)
    for offer in result.withdrawn:
        await _withdrawn_offer(out, offer, request)


async def _withdrawn_offer(out: Outbox, offer: Offer, request: KickoffRequest) -> None:
    advisor = await out.session.get(Advisor, offer.advisor_id)
    r = await _to_advisor(out, advisor)
    if r is not None:
        out.send(
            r,
            r._("ℹ️ The offer {reference} was withdrawn; you need not answer it any more.").format(
                reference=html.escape(request.reference)
            ),
        )


async def _expired(out: Outbox, result: OfferResult) -> None:
    r = await _to_advisor(out, result.advisor)
    if r is not None and result.request is not None:
        text = r._("⌛ The time to answer the offer {reference} has passed; it went to someone else.")
        out.send(r, text.format(reference=html.escape(result.request.reference)), lane=OutboxLane.BULK)


async def _skipped(out: Outbox, result: OfferResult) -> None:
    request, advisor = result.request, result.advisor
    if request is None or advisor is None:
        return
    for r in await out.coordinator_rooms():
        text = r._(
            "⚠️ {name} cannot be reached in Telegram (blocked the bot) and was skipped for {reference}."
        ).format(name=html.escape(advisor.display_name), reference=html.escape(request.reference))
        follow = result.next
        if follow is not None and follow.kind == OfferOutcome.OFFERED and follow.advisor is not None:
            text += "\n" + r._("The request was offered to {name}.").format(
                name=html.escape(follow.advisor.display_name)
            )
        out.send(r, text)


async def announce(
    out: Outbox, result: OfferResult | None, *, lane: OutboxLane = OutboxLane.INTERACTIVE
) -> None:
    """Queue the messages a cascade step calls for, then those of what followed (``result.next``).

    The person who caused the step (the advisor who accepted or declined, the coordinator who
    assigned) is answered by their handler, not here.
    """
    if result is None:
        return
    match result.kind:
        case OfferOutcome.OFFERED:
            await _offered(out, result, lane)
        case OfferOutcome.ESCALATED:
            await _escalated(out, result)
        case OfferOutcome.ACCEPTED:
            if result.request is not None and result.advisor is not None:
                await tell_contact_advisor_found(out, result.request, result.advisor)
        case OfferOutcome.ASSIGNED:
            await _assigned(out, result)
        case OfferOutcome.EXPIRED:
            await _expired(out, result)
        case OfferOutcome.SKIPPED:
            await _skipped(out, result)
        case OfferOutcome.WITHDRAWN:
            if result.offer is not None and result.request is not None:
                await _withdrawn_offer(out, result.offer, result.request)
    await announce(out, result.next, lane=lane)


async def remind(out: Outbox, reminder: OfferReminder) -> None:
    """The one reminder half-way to the offer's deadline, with its buttons again."""
    r = await _to_advisor(out, reminder.advisor)
    if r is None:
        return
    heading = r._("⏰ <b>Reminder:</b> please answer the offer {reference} by {deadline}.").format(
        reference=html.escape(reminder.request.reference), deadline=r.when(reminder.offer.respond_by)
    )
    out.send(r, *offer_message(r, reminder.offer, reminder.request, heading), lane=OutboxLane.BULK)


async def start_matching(context: BotContext, request: KickoffRequest) -> None:
    """Offer a just-submitted request to the best advisor (or escalate it), in the submit's transaction."""
    result = await offers.offer_next(
        context.db, request.id, utcnow(), OfferTiming.from_settings(context.settings)
    )
    await announce(Outbox.of(context), result)
