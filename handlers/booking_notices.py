"""What the two sides of a kickoff talk are told: a proposal, the confirmation with its ``.ics``,
a request for another date, a cancellation, the reminder. Each in the recipient's language.
"""

from __future__ import annotations

import html
from datetime import datetime

from babel.dates import format_skeleton
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.services.booking_wishes import wishes_of
from bot.services.kickoff_ics import Person, kickoff_ics
from handlers import request_view
from handlers.callback_data import BOOK, data
from handlers.intake import labels
from handlers.notify import Outbox, Reader
from models import Advisor, Booking, KickoffRequest, MeetingFormat, OutboxLane, utcnow

ORGANIZER_NAME = "MiGlobe Baden-Württemberg"


def _ref(request: KickoffRequest) -> str:
    """The request's reference, safe for HTML."""
    return html.escape(request.reference)


def _how(r: Reader, request: KickoffRequest) -> str:
    """How the talk takes place, in the reader's language and safe for HTML."""
    return html.escape(request_view.meeting_format(r, request))


def _online(request: KickoffRequest) -> bool:
    """Whether the talk is online."""
    return request.meeting_format == MeetingFormat.ONLINE


def link_line(r: Reader, booking: Booking) -> str:
    """ "\n🔗 Video link: …" when the advisor gave the talk one; else nothing."""
    if not booking.video_link:
        return ""
    link = html.escape(booking.video_link)
    return "\n" + r._("🔗 Video link: {link}").format(link=f'<a href="{link}">{link}</a>')


def wish_lines(r: Reader, booking: Booking) -> str:
    """The days the contact would like, one per line ("• Di., 12. Mai, vormittags")."""
    return "".join(
        f"\n• {format_skeleton('MMMEd', day, locale=r.locale)}, {r._(labels.DAY_PARTS.get(part, part))}"
        for day, part in wishes_of(booking)
    )


def propose_button(r: Reader, request: KickoffRequest, label: str | None = None) -> InlineKeyboardButton:
    """The advisor's button to (re)propose a date."""
    return InlineKeyboardButton(label or r._("📅 Propose a date"), callback_data=data(BOOK, "p", request.id))


def contact_buttons(r: Reader, booking: Booking, *, confirmed: bool) -> InlineKeyboardMarkup:
    """Confirm or ask for another date (a proposal); ask for another or cancel (a confirmed talk)."""
    another = InlineKeyboardButton(
        r._("🔁 Ask for another date"), callback_data=data(BOOK, "n", booking.id, booking.sequence)
    )
    if confirmed:
        cancel = InlineKeyboardButton(r._("✖️ Cancel the talk"), callback_data=data(BOOK, "c", booking.id))
        return InlineKeyboardMarkup([[another], [cancel]])
    confirm = InlineKeyboardButton(
        r._("✅ Confirm"), callback_data=data(BOOK, "y", booking.id, booking.sequence)
    )
    return InlineKeyboardMarkup([[confirm, another]])


def advisor_buttons(r: Reader, booking: Booking, request: KickoffRequest) -> InlineKeyboardMarkup:
    """Move or cancel a date; for an online talk also add (or change) its video link."""
    cancel = InlineKeyboardButton(r._("✖️ Cancel the talk"), callback_data=data(BOOK, "c", booking.id))
    rows = [[propose_button(r, request, r._("🔁 Propose a new date"))], [cancel]]
    if _online(request):
        label = r._("🔗 Change video link") if booking.video_link else r._("🔗 Add video link")
        rows.insert(1, [InlineKeyboardButton(label, callback_data=data(BOOK, "l", booking.id))])
    return InlineKeyboardMarkup(rows)


def proposal_for_contact(
    r: Reader, booking: Booking, request: KickoffRequest, advisor: Advisor, previous: datetime | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The proposal as the contact sees it, with Confirm and Ask for another date."""
    head = r._("📅 <b>A date for your kickoff talk {reference}</b>").format(reference=_ref(request))
    if previous is not None:
        head = r._("📅 <b>New date for your kickoff talk {reference}</b> (instead of {old})").format(
            reference=_ref(request), old=r.when(previous)
        )
    body = r._("{name} proposes <b>{when}</b> ({format}, about {minutes} minutes). Does it suit you?").format(
        name=html.escape(advisor.display_name),
        when=r.when(booking.starts_at),
        format=_how(r, request),
        minutes=booking.duration_minutes,
    )
    return f"{head}\n\n{body}{link_line(r, booking)}", contact_buttons(r, booking, confirmed=False)


def proposed_for_advisor(r: Reader, booking: Booking, request: KickoffRequest) -> str:
    """What the advisor sees after proposing."""
    return r._("📨 You proposed <b>{when}</b> for {reference}. The contact is asked to confirm it.").format(
        when=r.when(booking.starts_at), reference=_ref(request)
    )


def calendar_file(
    out: Outbox, r: Reader, booking: Booking, request: KickoffRequest, advisor: Advisor
) -> bytes:
    """The ``.ics`` of the talk in the reader's language, naming the people as their side needs them:
    the contact's file the advisor, the advisor's the municipality and the contact person (a
    cancellation for a cancelled booking)."""
    reference, place, contact = request.reference, request.place_name, request.contact_name
    if r.user_id == request.contact_user_id:
        summary = r._("MiGlobe kickoff talk with {advisor} ({reference})").format(
            advisor=advisor.display_name, reference=reference
        )
        about = r._("Kickoff talk of {place} ({contact}) with {advisor}, MiGlobe Baden-Württemberg.").format(
            place=place, contact=contact, advisor=advisor.display_name
        )
    else:
        summary = r._("MiGlobe kickoff talk: {place}, {contact} ({reference})").format(
            place=place, contact=contact, reference=reference
        )
        about = r._("Kickoff talk with {contact} of {place} ({email}), MiGlobe Baden-Württemberg.").format(
            contact=contact, place=place, email=request.email
        )
    lines = [about, r._("Format: {format}").format(format=request_view.meeting_format(r, request))]
    link = booking.video_link if _online(request) else None
    if link:
        lines.append(r._("Video link: {link}").format(link=link))
    elif _online(request):
        lines.append(r._("The video link follows in the chat."))
    return kickoff_ics(
        booking,
        summary=summary,
        description="\n".join(lines),
        location=link or request_view.location(r, request),
        url=link,
        organizer=Person(out.settings.contact_email, ORGANIZER_NAME),
        tz=out.settings.tz,
        now=utcnow(),
    )


def send_calendar_file(
    out: Outbox, r: Reader, booking: Booking, request: KickoffRequest, advisor: Advisor
) -> None:
    """Queue the ``.ics`` for ``r``."""
    name = f"kickoff-{request.reference}.ics"
    caption = r._("📎 Calendar entry for {reference}").format(reference=_ref(request))
    out.document(r, name, calendar_file(out, r, booking, request, advisor), caption)


def confirmed_for_contact(
    r: Reader, booking: Booking, request: KickoffRequest, advisor: Advisor
) -> tuple[str, InlineKeyboardMarkup]:
    """A confirmed talk as the contact sees it, with "another date" and "cancel"."""
    text = r._("✅ <b>Your kickoff talk {reference} is confirmed:</b> {when} with {name} ({format}).").format(
        reference=_ref(request),
        when=r.when(booking.starts_at),
        name=html.escape(advisor.display_name),
        format=_how(r, request),
    )
    return text + link_line(r, booking), contact_buttons(r, booking, confirmed=True)


def confirmed_for_advisor(
    r: Reader, booking: Booking, request: KickoffRequest
) -> tuple[str, InlineKeyboardMarkup]:
    """A confirmed talk as the advisor sees it, with "new date" and "cancel"."""
    text = r._(
        "✅ <b>The contact confirmed the kickoff talk {reference}:</b> {when} ({format}, {place})."
    ).format(
        reference=_ref(request),
        when=r.when(booking.starts_at),
        format=_how(r, request),
        place=request_view.place(request),
    )
    return text + link_line(r, booking), advisor_buttons(r, booking, request)


async def confirmed(out: Outbox, booking: Booking, request: KickoffRequest, advisor: Advisor) -> None:
    """Both sides: the confirmation with their buttons, then the ``.ics``."""
    hours = round(out.settings.kickoff_reminder_hours)
    contact = await out.reader(request.contact_user_id)
    if contact is not None:
        text, markup = confirmed_for_contact(contact, booking, request, advisor)
        text += "\n\n" + contact._(
            "You get a reminder {hours} hours before. The calendar entry follows."
        ).format(hours=hours)
        out.send(contact, text, markup)
        send_calendar_file(out, contact, booking, request, advisor)
    adv = await out.reader(advisor.user_id)
    if adv is not None:
        out.send(adv, *confirmed_for_advisor(adv, booking, request))
        send_calendar_file(out, adv, booking, request, advisor)


async def another_date_asked(
    out: Outbox, booking: Booking, request: KickoffRequest, advisor: Advisor | None
) -> None:
    """The request's advisor learns the contact wants another date and which days would suit them,
    with a button to propose one (nobody while the request waits for a new advisor)."""
    r = await out.reader(advisor.user_id) if advisor is not None else None
    if r is None:
        return
    text = r._("🔁 The contact asks for another date for {reference} (instead of {when}).").format(
        reference=_ref(request), when=r.when(booking.starts_at)
    )
    wishes = wish_lines(r, booking)
    if wishes:
        text += "\n\n" + r._("These days would suit them:") + wishes
    else:
        text += "\n\n" + r._("They did not name days; any day suits them.")
    out.send(r, text, InlineKeyboardMarkup([[propose_button(r, request)]]))


async def cancelled(
    out: Outbox,
    booking: Booking,
    request: KickoffRequest,
    advisor: Advisor | None,
    *,
    by_contact: bool,
    was_confirmed: bool,
    booked_with: Advisor | None = None,
) -> None:
    """The other side learns the talk is off; calendars that hold it get a cancellation.

    ``advisor`` is the request's current advisor (None while it waits for a new one), ``booked_with``
    the advisor the date was made with: only their calendar holds the talk.
    """
    booked_with = booked_with or advisor
    contact = await out.reader(request.contact_user_id)
    adv = await out.reader(advisor.user_id) if advisor is not None else None
    if by_contact and adv is not None:
        text = adv._(
            "✖️ The contact cancelled the kickoff talk {reference} on {when}. "
            "You remain their advisor and can propose a new date."
        ).format(reference=_ref(request), when=adv.when(booking.starts_at))
        out.send(adv, text, InlineKeyboardMarkup([[propose_button(adv, request)]]))
    if not by_contact and contact is not None and advisor is not None:
        text = contact._(
            "✖️ {name} cancelled the kickoff talk {reference} on {when}. "
            "They remain your advisor and will propose a new date."
        ).format(
            name=html.escape(advisor.display_name),
            reference=_ref(request),
            when=contact.when(booking.starts_at),
        )
        out.send(contact, text)
    named = advisor or booked_with
    if not was_confirmed or named is None:
        return
    if contact is not None:
        send_calendar_file(out, contact, booking, request, named)
    if adv is not None and advisor is not None and booked_with is not None and advisor.id == booked_with.id:
        send_calendar_file(out, adv, booking, request, advisor)


async def reminder(out: Outbox, booking: Booking, request: KickoffRequest, advisor: Advisor) -> None:
    """Both sides, once: the talk is coming up."""
    contact = await out.reader(request.contact_user_id)
    if contact is not None:
        text = contact._(
            "⏰ <b>Reminder:</b> your kickoff talk {reference} with {name} is on {when} ({format})."
        ).format(
            reference=_ref(request),
            name=html.escape(advisor.display_name),
            when=contact.when(booking.starts_at),
            format=_how(contact, request),
        )
        out.send(contact, text, lane=OutboxLane.BULK)
    adv = await out.reader(advisor.user_id)
    if adv is not None:
        text = adv._("⏰ <b>Reminder:</b> kickoff talk {reference} in {place} on {when} ({format}).").format(
            reference=_ref(request),
            place=request_view.place(request),
            when=adv.when(booking.starts_at),
            format=_how(adv, request),
        )
        out.send(adv, text, lane=OutboxLane.BULK)
