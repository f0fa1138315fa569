"""The intake draft: one unfinished kickoff request per user, its step and its answers so far."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class IntakeStep(enum.StrEnum):
    """The questions of the intake, in the order they are asked (consent comes before the draft)."""

    MUNICIPALITY = "municipality"
    NAME = "name"
    ROLE = "role"
    EMAIL = "email"
    PHONE = "phone"
    TOPICS = "topics"
    LANGUAGES = "languages"
    GOALS = "goals"
    TIMES = "times"
    FORMAT = "format"
    SUMMARY = "summary"


class IntakeDraft(Base):
    """A request being entered. Conversation state is domain state: it survives any restart.

    Created only after the user agreed to the notice, so declining stores nothing. ``revision``
    grows with every change; each change is a compare-and-set on it.
    """

    __tablename__ = "intake_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    step: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # False after /cancel: free text goes to the rest of the bot until the user continues.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # True while a field is changed from the summary: answering returns to the summary.
    editing: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_version: Mapped[str] = mapped_column(String(16))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Deadlines swept by a job: one reminder, then deletion (both move with every activity).
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
