"""SQLAlchemy models, one module per aggregate; importing this package registers them all."""

from models.advisor import Advisor, AdvisorInvitation
from models.base import Base, UTCDateTime, utcnow
from models.booking import Booking, BookingStatus
from models.broadcast import (
    Broadcast,
    BroadcastAudience,
    BroadcastRecipient,
    BroadcastStatus,
    MediaKind,
    NewsConsent,
    RecipientStatus,
)
from models.chat_input import ChatInput
from models.coordination import AuditAction, CoordinatorAction
from models.intake import IntakeDraft, IntakeStep
from models.knowledge import CuratedEntry, CuratedStatus
from models.offer import HOLDING_STATUSES, Offer, OfferStatus
from models.question import Feedback, Question, QuestionStatus
from models.request import (
    KickoffRequest,
    MeetingFormat,
    PlaceKind,
    ReferenceCounter,
    RequestEvent,
    RequestStatus,
)
from models.runtime import (
    ChatLease,
    InboxStatus,
    InboxUpdate,
    OutboxLane,
    OutboxMessage,
    OutboxStatus,
    SendBudget,
)
from models.user import Role, RoleSource, User, UserRole

__all__ = [
    "HOLDING_STATUSES",
    "Advisor",
    "AdvisorInvitation",
    "AuditAction",
    "Base",
    "Booking",
    "BookingStatus",
    "Broadcast",
    "BroadcastAudience",
    "BroadcastRecipient",
    "BroadcastStatus",
    "ChatInput",
    "ChatLease",
    "CoordinatorAction",
    "CuratedEntry",
    "CuratedStatus",
    "Feedback",
    "InboxStatus",
    "InboxUpdate",
    "IntakeDraft",
    "IntakeStep",
    "KickoffRequest",
    "MediaKind",
    "MeetingFormat",
    "NewsConsent",
    "Offer",
    "OfferStatus",
    "OutboxLane",
    "OutboxMessage",
    "OutboxStatus",
    "PlaceKind",
    "Question",
    "QuestionStatus",
    "RecipientStatus",
    "ReferenceCounter",
    "RequestEvent",
    "RequestStatus",
    "Role",
    "RoleSource",
    "SendBudget",
    "UTCDateTime",
    "User",
    "UserRole",
    "utcnow",
]
