"""Telling people what the offer cascade did: offers to advisors (the cascade's and those a
coordinator made by hand), escalations and hand offers that came back to coordinators, the advisor
found for a contact, offers that passed on (their messages lose their buttons). Used by handlers and
the deadline sweeps.

Texts are built for each recipient's language; nothing personal of the contact goes to an advisor
before they hold the request (``offers.holder``).
"""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import BotContext
from bot.runtime.outbox import TELEGRAM_TEXT_LIMIT
from bot.services import offers, reassignment
from bot.services.offer_sweeps import UNREACHABLE, OfferReminder
from bot.services.offers import OfferOutcome, OfferResult, OfferTiming
from bot.telegram_text import visible_length
from handlers import offer_messages, reasons, request_view
from handlers.callback_data import ASSIGN, REQUESTS, data
from handlers.notify import Outbox, Reader
from handlers.offer_messages import Ending
from handlers.offer_texts import DECLINE_REASONS, accepted_heading, held_message, offer_message
from models import Advisor, KickoffRequest, Offer, OfferStatus, OutboxLane, RequestStatus, utcnow

# The offer texts live in offer_texts; they are named here too, where callers look for them.
__all__ = [
    "ASSIGNABLE",
    "accepted_heading",
    "announce",
    "assign_buttons",
    "held_message",
    "offer_message",
    "ranking_message",
    "remind",
    "request_view",
    "start_matching",
    "tell_contact_advisor_found",
]

MAX_ASSIGN_BUTTONS = 8


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
    """A reader for the advisor's chat, None without an advisor."""
    return await out.reader(advisor.user_id) if advisor is not None else None


async def tell_contact_advisor_found(out: Outbox, request: KickoffRequest, advisor: Advisor) -> None:
    """The contact learns who will advise them (name, languages) and what happens next."""
    r = await out.reader(request.contact_user_id)
    if r is None:
        return
    name = html.escape(advisor.display_name)
    waiting = await reassignment.waiting_date(out.session, request.id)
    if waiting is not None:
        # After a reassignment the confirmed date is still planned: the new advisor takes it over
        # or proposes another, and the contact is told which once they have decided.
        next_step = r._(
            "What happens next: your kickoff talk on {when} stays planned for now; {name} takes it "
            "over or proposes another date here in this chat."
        ).format(when=r.when(waiting[0].starts_at), name=name)
    else:
        next_step = r._(
            "What happens next: {name} proposes a date for the kickoff talk here in this chat; "
            "you can confirm it or ask for another."
        ).format(name=name)
    text = "\n\n".join(
        [
            r._("🎉 <b>Good news:</b> {name} will advise you on your request {reference}.").format(
                name=name, reference=html.escape(request.reference)
            ),
            r._("Languages: {languages}").format(languages=html.escape(r.languages(advisor.languages or []))),
            next_step,
        ]
    )
    out.send(r, text)


async def _offered(out: Outbox, result: OfferResult, lane: OutboxLane) -> None:
    """Send the offer to the advisor it now goes to."""
    r = await _to_advisor(out, result.advisor)
    if r is not None and result.offer is not None and result.request is not None:
        text, markup = offer_message(r, result.offer, result.request)
        await offer_messages.send_offer(out, r, result.offer, text, markup, lane=lane)


async def _escalated(out: Outbox, result: OfferResult) -> None:
    """Tell the coordinators that nobody took the request."""
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
    """A hand offer: the advisor gets it like any offer, from the coordination team; the contact
    hears nothing until it is accepted. Offers it replaced lose their buttons."""
    request, advisor = result.request, result.advisor
    if request is None or advisor is None:
        return
    for offer in result.withdrawn:
        if offer.advisor_id == advisor.id:
            await offer_messages.end(out, offer, request, Ending.RENEWED)
        else:
            await _withdrawn_offer(out, offer, request, Ending.TAKEN)
    await _offered(out, result, OutboxLane.INTERACTIVE)


async def _withdrawn_offer(
    out: Outbox, offer: Offer, request: KickoffRequest, ending: Ending = Ending.WITHDRAWN
) -> None:
    """Close the offer's message for its advisor."""
    await offer_messages.end(out, offer, request, ending)
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
    """Tell the advisor their offer expired and close its message."""
    request, offer = result.request, result.offer
    if request is None or offer is None:
        return
    await offer_messages.end(out, offer, request, Ending.EXPIRED)
    r = await _to_advisor(out, result.advisor)
    if r is None:
        return
    if offer.offered_by_user_id is not None:
        text = r._(
            "⌛ The time to answer the offer {reference} has passed; it went back to the coordination team."
        )
    else:
        text = r._("⌛ The time to answer the offer {reference} has passed; it went to someone else.")
    out.send(r, text.format(reference=html.escape(request.reference)), lane=OutboxLane.BULK)


async def _skipped(out: Outbox, result: OfferResult) -> None:
    """Tell the coordinators an advisor was skipped."""
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


async def _returned(out: Outbox, result: OfferResult) -> None:
    """A hand offer ended unaccepted: the coordinators get the request back with the ranking."""
    request, advisor, offer = result.request, result.advisor, result.offer
    if request is None or offer is None:
        return
    ranking = result.ranking.to_json() if result.ranking is not None else []
    name = html.escape(advisor.display_name if advisor is not None else "–")
    reference = html.escape(request.reference)
    for r in await out.coordinator_rooms():
        if offer.status == OfferStatus.DECLINED and offer.decline_reason != UNREACHABLE:
            code = offer.decline_reason or "other"
            why = r._(DECLINE_REASONS[code]) if code in DECLINE_REASONS else html.escape(code)
            heading = r._("↩️ <b>{name} declined {reference}</b>, which you offered by hand ({reason}).")
            heading = heading.format(name=name, reference=reference, reason=why)
        elif offer.status == OfferStatus.EXPIRED:
            heading = r._(
                "⌛ <b>{name} did not answer the offer of {reference} in time</b>; you had made it by hand."
            )
            heading = heading.format(name=name, reference=reference)
        else:
            heading = r._("↩️ <b>The offer of {reference} you made to {name} by hand has ended.</b>")
            heading = heading.format(name=name, reference=reference)
        heading += "\n" + r._("The request is back with you: please assign it again.")
        out.send(r, *ranking_message(r, request, ranking, heading))


async def _accepted(out: Outbox, result: OfferResult) -> None:
    """The contact learns who advises them; an accepted hand offer is also reported to the coordinators."""
    request, advisor, offer = result.request, result.advisor, result.offer
    if request is None or advisor is None:
        return
    await tell_contact_advisor_found(out, request, advisor)
    if offer is None or offer.offered_by_user_id is None:
        return
    for r in await out.coordinator_rooms():
        text = r._("✅ {name} accepted {reference}, which you offered by hand.").format(
            name=html.escape(advisor.display_name), reference=html.escape(request.reference)
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
            await _accepted(out, result)
        case OfferOutcome.ASSIGNED:
            await _assigned(out, result)
        case OfferOutcome.RETURNED:
            await _returned(out, result)
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
    text, markup = offer_message(r, reminder.offer, reminder.request, heading)
    await offer_messages.send_offer(out, r, reminder.offer, text, markup, reminder=True, lane=OutboxLane.BULK)


async def start_matching(context: BotContext, request: KickoffRequest) -> None:
    """Offer a just-submitted request to the best advisor (or escalate it), in the submit's transaction."""
    result = await offers.offer_next(
        context.db, request.id, utcnow(), OfferTiming.from_settings(context.settings)
    )
    await announce(Outbox.of(context), result)
