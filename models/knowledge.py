"""Answers the coordinators made in the chat: question variants and answers per language, live at once.

They extend the reviewed YAML knowledge base (``bot/knowledge/``) without a redeploy. An entry holds
no link to a person: what it says was written or reviewed by a coordinator, and the question it was
made from is only referenced while that question still exists unblanked (see
``bot.services.knowledge_curation.unlink_blank_questions``). Who changed what is in the audit.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class CuratedStatus(enum.StrEnum):
    """Whether the bot answers from the entry."""

    LIVE = "live"
    RETIRED = "retired"


class CuratedEntry(Base):
    """One chat-made entry; its public id is ``team-<id>``."""

    __tablename__ = "curated_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=CuratedStatus.LIVE, index=True)
    # Language -> the ways people ask (plain text, each at most 300 characters).
    questions: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    # Language -> the answer as the coordinator typed it (plain text; escaped when shown).
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # The "Stand": the day the answer was approved (created or last rewritten) in the bot's time zone.
    as_of: Mapped[date] = mapped_column(Date)
    # The answered question it was made from, while that question is kept (never twice the same).
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL"), unique=True
    )
    # Raised by every change: the sum over all entries tells every process that the base changed.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
