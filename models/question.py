"""Questions people asked in free text: what the knowledge base answered, their feedback, and handovers.

Every question is kept (the learning loop): coordinators see what is asked and what fails, and a
handed-over question carries the coordinator's answer. A coordinator who pressed "reply" holds the
question (``replying_coordinator_id``) until their next text message, which becomes the answer.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class QuestionStatus(enum.StrEnum):
    """Where a question stands: answered by the bot (or not), with the coordinators, answered by them."""

    ASKED = "asked"
    HANDED_OVER = "handed_over"
    ANSWERED = "answered"


class Feedback(enum.StrEnum):
    """What the asker said about the answer shown."""

    HELPFUL = "helpful"
    NOT_HELPFUL = "not_helpful"


class Question(Base):
    """One free-text question, the bot's ranking of it, the asker's feedback and a human answer."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Nullable so that erasing a user can keep an anonymous row for the statistics.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    locale: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(16))
    # The best-ranked knowledge-base entry and its score (also when not confident), for the statistics.
    entry_id: Mapped[str | None] = mapped_column(String(40))
    score: Mapped[float | None] = mapped_column(Float)
    confident: Mapped[bool] = mapped_column(Boolean)
    # The entry the asker's message shows now ("another answer" and suggestions change it).
    shown_entry_id: Mapped[str | None] = mapped_column(String(40))
    feedback: Mapped[str | None] = mapped_column(String(16))
    feedback_entry_id: Mapped[str | None] = mapped_column(String(40))
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default=QuestionStatus.ASKED, index=True)
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replying_coordinator_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reply_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
