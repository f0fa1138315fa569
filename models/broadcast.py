"""Broadcasts to advisors and municipal contacts, their recipients, and the contacts' news consent."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class BroadcastAudience(enum.StrEnum):
    """Who a broadcast goes to (then narrowed by its filters)."""

    ADVISORS = "advisors"
    CONTACTS = "contacts"  # only those who agreed to receive news
    BOTH = "both"


class BroadcastStatus(enum.StrEnum):
    """Where a broadcast stands; ``cancelled`` and ``done`` are final (``done`` until a retry)."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    CANCELLED = "cancelled"
    DONE = "done"


class MediaKind(enum.StrEnum):
    """The optional attachment of a broadcast."""

    PHOTO = "photo"
    DOCUMENT = "document"


class RecipientStatus(enum.StrEnum):
    """One recipient's progress: pending → queued (an outbox row exists) → an outcome."""

    PENDING = "pending"
    QUEUED = "queued"
    DELIVERED = "delivered"
    BLOCKED = "blocked"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Broadcast(Base):
    """One message to many: audience, filters, content, schedule and the counts of its outcome.

    The attachment is sent by ``media_file_id`` when known (a file Telegram already has, e.g. the
    one the coordinator uploaded); otherwise ``media_bytes`` are uploaded with every message.
    """

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    audience: Mapped[str] = mapped_column(String(16))
    # {"regierungsbezirke": [...], "kreise": [...], "languages": [...], "request_statuses": [...]}
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    text: Mapped[str] = mapped_column(Text)
    media_kind: Mapped[str | None] = mapped_column(String(16))
    media_file_id: Mapped[str | None] = mapped_column(String(256))
    media_bytes: Mapped[bytes | None] = mapped_column(LargeBinary)
    media_filename: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=BroadcastStatus.DRAFT, index=True)
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # The outbox row of the progress message, so that it can be edited once Telegram gave it an id.
    progress_outbox_id: Mapped[int | None] = mapped_column(Integer)
    recipients_total: Mapped[int] = mapped_column(Integer, default=0)
    delivered_count: Mapped[int] = mapped_column(Integer, default=0)
    blocked_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BroadcastRecipient(Base):
    """One person a broadcast goes to; the unique pair means nobody gets it twice, even after a restart."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "user_id", name="uq_broadcast_recipients_broadcast_user"),
        Index("ix_broadcast_recipients_broadcast_status", "broadcast_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=RecipientStatus.PENDING)
    # The outbox row of the latest attempt (pruned outbox rows leave it empty).
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NewsConsent(Base):
    """A contact agreed to receive the programme's news by broadcast; withdrawing deletes the row."""

    __tablename__ = "news_consents"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    notice_version: Mapped[str | None] = mapped_column(String(16))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
