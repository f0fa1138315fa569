"""After an erasure: telling the advisors, contacts and coordinators concerned, and the goodbye.

Nobody is told anything personal about the erased person: advisors learn the reference, the
coordinators the references that came back to them. The goodbye to the erased person is the one
message left for their chat; it is ephemeral (deleted once sent) and tied to no update.
"""

from __future__ import annotations

import html

from bot.i18n import N_, translate
from bot.runtime import outbox
from bot.services.advisor_erasure import AdvisorRelease
from bot.services.erasure import ErasureResult
from bot.services.offers import OfferOutcome
from handlers import cascade
from handlers.notify import Outbox
from handlers.withdrawal import tell_advisors
from models import OutboxMessage

WITHDRAWN = N_("ℹ️ The contact withdrew the request {reference}. Nothing more to do for it.")
GOODBYE_OWN = N_(
    "🗑 Your data has been deleted. Thank you for your interest in MiGlobe. If you write to us again, we "
    "start afresh."
)
GOODBYE_ON_BEHALF = N_("🗑 At your request, the MiGlobe programme team has deleted your data in this chat.")


async def announce(out: Outbox, result: ErasureResult) -> None:
    """Queue every notice the erasure calls for (in each recipient's language)."""
    for item in result.withdrawn:
        if item.withdrawal is not None:
            await tell_advisors(out, item.request, item.withdrawal, item.holder, WITHDRAWN)
    for item in result.running:
        r = await out.reader(item.holder.user_id) if item.holder is not None else None
        if r is not None:
            text = r._(
                "ℹ️ The contact of {reference} deleted their data here in the chat. The request stays in the "
                "statistics without personal details; their contact details are no longer available."
            )
            out.send(r, text.format(reference=html.escape(item.request.reference)))
    if result.advisor is not None:
        await _advisor_work(out, result.advisor)


async def _advisor_work(out: Outbox, release: AdvisorRelease) -> None:
    """Offers passed on, held requests back with the programme: tell the next advisors, the
    contacts whose advisor left, and the coordinators."""
    for passed in release.passed_on:
        await cascade.announce(out, passed)
    for back in release.handed_back:
        request = back.request
        if back.next is None:
            continue
        r = await out.reader(request.contact_user_id)
        if r is not None:
            text = r._(
                "ℹ️ Your advisor for {reference} is no longer available. We are looking for someone "
                "else and will let you know."
            ).format(reference=html.escape(request.reference))
            talk = back.withdrawal.booking if back.withdrawal is not None else None
            if talk is not None:
                text += "\n" + r._("The kickoff talk on {when} is cancelled.").format(
                    when=r.when(talk.starts_at)
                )
            out.send(r, text)
        await cascade.announce(out, back.next)
    if not release.passed_on and not release.handed_back:
        return
    # Hand offers went back to the coordinators (each announced with its ranking), not on.
    returned = [p for p in release.passed_on if p.next is not None and p.next.kind == OfferOutcome.RETURNED]
    onward = len(release.passed_on) - len(returned)
    again = ", ".join(html.escape(b.request.reference) for b in release.handed_back if b.next is not None)
    after = ", ".join(html.escape(b.request.reference) for b in release.handed_back if b.next is None)
    for r in await out.coordinator_rooms():
        lines = [r._("ℹ️ An advisor deleted their data; their profile is deactivated.")]
        if onward:
            lines.append(
                r.ngettext(
                    "{count} offer waiting for their answer went to the next advisor.",
                    "{count} offers waiting for their answer went to the next advisors.",
                    onward,
                ).format(count=onward)
            )
        if returned:
            references = ", ".join(html.escape(p.request.reference) for p in returned if p.request)
            lines.append(r._("Offered by hand and back with you: {references}").format(references=references))
        if again:
            lines.append(
                r._("Back with the programme (offered anew or waiting for you): {references}").format(
                    references=again
                )
            )
        if after:
            lines.append(
                r._("After the kickoff talk, now without an advisor: {references}").format(references=after)
            )
        out.send(r, "\n".join(lines))


def goodbye(
    out: Outbox, result: ErasureResult, *, on_behalf: bool, message_id: int | None = None
) -> OutboxMessage:
    """The one last message to the erased person: ephemeral, tied to no update.

    With ``message_id`` (the confirmation the person pressed) the goodbye replaces that screen,
    so no live "delete" button stays behind.
    """
    text = translate(result.locale, GOODBYE_ON_BEHALF if on_behalf else GOODBYE_OWN)
    if message_id is not None:
        row = outbox.enqueue_edit(out.session, result.telegram_id, message_id, text)
    else:
        row = outbox.enqueue_text(out.session, result.telegram_id, text)
    row.ephemeral = True
    return row
