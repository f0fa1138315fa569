"""Where a request stands, in one set of words for everyone: the contact's /status, the advisor's
/auftraege and offers, and the coordinators' lists, details, histories and exports."""

from __future__ import annotations

from bot.i18n import N_
from handlers.notify import Reader
from models import RequestStatus

# Worded so that each reads right to the contact, the advisor and the coordinators alike.
STATUS_WORDS = {
    RequestStatus.SUBMITTED: N_("received"),
    RequestStatus.OFFERED: N_("an advisor is being asked"),
    RequestStatus.NO_MATCH: N_("no advisor found yet"),
    RequestStatus.ACCEPTED: N_("advisor found"),
    RequestStatus.SCHEDULED: N_("kickoff talk agreed"),
    RequestStatus.KICKOFF_HELD: N_("kickoff talk held"),
    RequestStatus.CONSULTATION: N_("consultation under way"),
    RequestStatus.CLOSED: N_("closed"),
    RequestStatus.WITHDRAWN: N_("withdrawn by the municipality"),
    RequestStatus.CANCELLED: N_("closed by the coordination team"),
}


def status_word(r: Reader, status: str) -> str:
    """A request status in the reader's language (an unknown code as it is)."""
    label = STATUS_WORDS.get(RequestStatus(status)) if status in set(RequestStatus) else None
    return r._(label) if label else status
