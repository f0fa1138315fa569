"""SQLAlchemy models, one module per aggregate; importing this package registers them all."""

from models.advisor import Advisor, AdvisorInvitation
from models.base import Base, UTCDateTime, utcnow
from models.booking import Booking, BookingStatus
from models.intake import IntakeDraft, IntakeStep
from models.offer import HOLDING_STATUSES, Offer, OfferStatus
from models.request import (
    KickoffRequest,
    MeetingFormat,
    PlaceKind,
    ReferenceCounter,
    RequestEvent,
    RequestStatus,
)
from models.runtime import InboxStatus, InboxUpdate, OutboxLane, OutboxMessage, OutboxStatus
from models.user import Role, User, UserRole

__all__ = [
    "HOLDING_STATUSES",
    "Advisor",
    "AdvisorInvitation",
    "Base",
    "Booking",
    "BookingStatus",
    "InboxStatus",
    "InboxUpdate",
    "IntakeDraft",
    "IntakeStep",
    "KickoffRequest",
    "MeetingFormat",
    "Offer",
    "OfferStatus",
    "OutboxLane",
    "OutboxMessage",
    "OutboxStatus",
    "PlaceKind",
    "ReferenceCounter",
    "RequestEvent",
    "RequestStatus",
    "Role",
    "UTCDateTime",
    "User",
    "UserRole",
    "utcnow",
]
