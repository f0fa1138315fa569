"""Advisors (Berater*innen): their matching profile and the one-time invitations that make them advisors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class Advisor(Base):
    """What matching knows about an advisor.

    ``user_id`` is empty while the profile waits for its invitation to be redeemed (a CSV import
    creates the profile first) and again after the person erased their account; such a profile is
    never offered anything. Lists are JSON so that the same schema works on SQLite and PostgreSQL.
    """

    __tablename__ = "advisors"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    # ISO 639-1 (or Babel) language codes, e.g. ["tr", "ar"].
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Served area: Kreis AGS ("08416") and/or Regierungsbezirk keys ("084" = the AGS prefix).
    kreise: Mapped[list[str]] = mapped_column(JSON, default=list)
    regierungsbezirke: Mapped[list[str]] = mapped_column(JSON, default=list)
    home_ags: Mapped[str | None] = mapped_column(String(8))
    # The intake's topic keys (bot.services.intake_answers.TOPICS).
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=2)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AdvisorInvitation(Base):
    """A one-time deep link (``/start inv_<token>``) that makes whoever opens it an advisor.

    ``advisor_id`` points at a prefilled profile (CSV import, or a new link for a known advisor);
    without it, redeeming creates a fresh profile named after the Telegram user.
    """

    __tablename__ = "advisor_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 (hex) of the link's token: the link itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The link's token, set only on a new invitation in the transaction that created it (not stored).
    token = ""
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisors.id", ondelete="CASCADE"), index=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    redeemed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
