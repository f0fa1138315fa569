"""Free text a user was just asked for outside the intake (a note, a place name, a language).

One row per user: asking for something new replaces what was asked before. The row is the
conversation state, so a reply that arrives after a restart still reaches the right place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class ChatInput(Base):
    """What the user's next text message answers: ``kind`` names the question, ``target_id`` its object."""

    __tablename__ = "chat_inputs"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int | None] = mapped_column(Integer)
    # Small choices made before the question (e.g. the outcome's "held" and "consultation").
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
