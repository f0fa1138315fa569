"""SQLAlchemy models, one module per aggregate; importing this package registers them all."""

from models.base import Base, UTCDateTime, utcnow
from models.runtime import InboxStatus, InboxUpdate, OutboxLane, OutboxMessage, OutboxStatus
from models.user import Role, User, UserRole

__all__ = [
    "Base",
    "InboxStatus",
    "InboxUpdate",
    "OutboxLane",
    "OutboxMessage",
    "OutboxStatus",
    "Role",
    "UTCDateTime",
    "User",
    "UserRole",
    "utcnow",
]
