"""What the people around a reassigned request are told, each in their own language: the advisor it
was taken from (with a calendar cancellation for a confirmed date), the contact, and the new advisor
who is asked to take over a confirmed date or propose another."""

from __future__ import annotations

import html

from bot.services import reassignment
from bot.services.reassignment import ReassignResult, TakeoverResult
from handlers import booking_notices, cascade, date_takeover, offer_messages, request_view
from handlers.notify import Outbox, Reader
from handlers.offer_messages import Ending
from models import Booking, BookingStatus, KickoffRequest


def _ref(request: KickoffRequest) -> str:
    """The request's reference, safe for HTML."""
    return html.escape(request.reference)


def _how(r: Reader, request: KickoffRequest) -> str:
    """How the talk takes place, in the reader's language and safe for HTML."""
    return html.escape(request_view.meeting_format(r, request))


def _cancelled_copy(talk: Booking) -> Booking:
    """The talk as a cancellation, for the calendar of someone no longer taking part in it."""
    return Booking(
        id=talk.id,
        request_id=talk.request_id,
        advisor_id=talk.advisor_id,
        status=BookingStatus.CANCELLED,
        starts_at=talk.starts_at,
        duration_minutes=talk.duration_minutes,
        location=talk.location,
        sequence=talk.sequence,
    )


async def _tell_previous(out: Outbox, result: ReassignResult, request: KickoffRequest) -> None:
    """Tell the advisor who had the request that it moved on."""
    previous = result.previous
    if result.held is not None:
        # Their message of the accepted request (contact details, "propose a date") must not look live.
        await offer_messages.end(out, result.held, request, Ending.MOVED_ON)
    r = await out.reader(previous.user_id) if previous is not None else None
    if previous is None or r is None:
        return
    text = r._(
        "ℹ️ The coordination team has passed the request {reference} on to another advisor. Nothing more "
        "to do for it; thank you."
    ).format(reference=_ref(request))
    talk = result.kept or result.cancelled
    if talk is not None:
        text += "\n" + r._("The kickoff talk on {when} is no longer yours.").format(
            when=r.when(talk.starts_at)
        )
    out.send(r, text)
    confirmed = result.kept is not None or result.cancelled_was_confirmed
    # The calendar file names the contact: a deactivated advisor gets the plain notice only.
    if talk is not None and confirmed and previous.active:
        booking_notices.send_calendar_file(out, r, _cancelled_copy(talk), request, previous)


async def _tell_contact(out: Outbox, result: ReassignResult, request: KickoffRequest) -> None:
    """Tell the municipal contact who their new advisor is."""
    r = await out.reader(request.contact_user_id)
    if r is None or result.previous is None:
        return
    lines = [
        r._(
            "ℹ️ {name} can no longer advise you on your request {reference}. We are arranging another "
            "advisor and will tell you who it is."
        ).format(name=html.escape(result.previous.display_name), reference=_ref(request))
    ]
    if result.kept is not None:
        lines.append(
            r._(
                "Your kickoff talk on {when} stays planned for now: the new advisor takes it over or "
                "proposes another date."
            ).format(when=r.when(result.kept.starts_at))
        )
    elif result.cancelled is not None:
        lines.append(
            r._("The date {when} is off; the new advisor will propose a date.").format(
                when=r.when(result.cancelled.starts_at)
            )
        )
    out.send(r, "\n\n".join(lines))
    if result.cancelled is not None and result.cancelled_was_confirmed and result.previous is not None:
        booking_notices.send_calendar_file(out, r, result.cancelled, request, result.previous)


async def reassigned(out: Outbox, result: ReassignResult) -> None:
    """Tell the previous advisor and the contact; then whoever the next step concerns (the new
    advisor's offer or assignment, or the coordinators when nobody fits); a new advisor who holds
    the request at once is asked about a confirmed date."""
    request = result.request
    if request is None:
        return
    await _tell_previous(out, result, request)
    await _tell_contact(out, result, request)
    await cascade.announce(out, result.next)
    if reassignment.assigned_now(result):
        await date_takeover.ask(out, request)


async def taken_over(out: Outbox, result: TakeoverResult) -> None:
    """The date stands with the new advisor: the contact is told and both get the updated ``.ics``."""
    talk, request, advisor = result.booking, result.request, result.advisor
    if talk is None or request is None or advisor is None:
        return
    contact = await out.reader(request.contact_user_id)
    if contact is not None:
        text = contact._(
            "✅ {name} takes over your kickoff talk {reference} on {when} ({format}). Nothing changes "
            "for you."
        ).format(
            name=html.escape(advisor.display_name),
            reference=_ref(request),
            when=contact.when(talk.starts_at),
            format=_how(contact, request),
        )
        out.send(contact, text, booking_notices.contact_buttons(contact, talk, confirmed=True))
        booking_notices.send_calendar_file(out, contact, talk, request, advisor)
    r = await out.reader(advisor.user_id)
    if r is not None:
        booking_notices.send_calendar_file(out, r, talk, request, advisor)


async def date_declined(out: Outbox, result: TakeoverResult) -> None:
    """The date is cancelled: the contact is told (with the calendar cancellation)."""
    talk, request, advisor = result.booking, result.request, result.advisor
    if talk is None or request is None or advisor is None:
        return
    contact = await out.reader(request.contact_user_id)
    if contact is None:
        return
    text = contact._(
        "✖️ The kickoff talk {reference} on {when} is cancelled: {name}, your new advisor, will propose "
        "another date here in the chat."
    ).format(
        reference=_ref(request), when=contact.when(talk.starts_at), name=html.escape(advisor.display_name)
    )
    out.send(contact, text)
    booking_notices.send_calendar_file(out, contact, talk, request, advisor)


async def ask_takeover(out: Outbox, request: KickoffRequest) -> bool:
    """Ask the request's new advisor to take over a confirmed date waiting for them (True if asked);
    call it whenever an advisor comes to hold a request (see :func:`handlers.date_takeover.ask`)."""
    return await date_takeover.ask(out, request)
