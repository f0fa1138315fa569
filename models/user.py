"""People who use the bot and the roles they hold."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow


class Role(enum.StrEnum):
    """What a person may do; one person may hold several roles."""

    CONTACT = "contact"
    ADVISOR = "advisor"
    COORDINATOR = "coordinator"


class RoleSource(enum.StrEnum):
    """Who granted a role: the configuration, a coordinator in the chat, or an invitation link."""

    CONFIG = "config"
    CHAT = "chat"
    INVITATION = "invitation"


class User(Base):
    """A Telegram user known to the bot."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    first_name: Mapped[str] = mapped_column(String(128), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    # Set when Telegram answers 403: the user blocked the bot; cleared when they write again.
    unreachable_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        """The roles this user holds; everybody is at least a contact."""
        return frozenset({Role.CONTACT, *(Role(r.role) for r in self.role_rows)})

    def has_role(self, role: Role) -> bool:
        """Whether this user holds ``role``."""
        return role in self.roles


class UserRole(Base):
    """One role held by one user, with when it was granted."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Where the role came from (RoleSource); a role from COORDINATOR_IDS ends when the id is removed.
    source: Mapped[str | None] = mapped_column(String(16))

    user: Mapped[User] = relationship(back_populates="role_rows")
