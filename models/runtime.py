"""The durable runtime's tables: the inbox of received updates, the outbox of calls to make."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class InboxStatus(enum.StrEnum):
    """Where a received update stands."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class InboxUpdate(Base):
    """A raw update from Telegram, committed before Telegram is told it arrived."""

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    # The chat whose order this update keeps (the user for updates without a chat).
    chat_key: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=InboxStatus.PENDING)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)


class OutboxLane(enum.IntEnum):
    """Sending lane, in order of priority.

    ``REPLY``: an answer to a person's own update, in that person's chat; Telegram limits it per
    chat only, so it goes under a high ceiling, not the bulk budget. ``INTERACTIVE``: a notice to
    someone else caused by a person's action (an offer to an advisor); ``BULK``: broadcasts,
    reminders, sweeps. The last two share the overall send budget, ``INTERACTIVE`` first.
    """

    REPLY = -1
    INTERACTIVE = 0
    BULK = 1


class OutboxStatus(enum.StrEnum):
    """Where an outgoing message stands."""

    PENDING = "pending"
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"
    # Taken back before it was sent (a cancelled broadcast); the sender only claims pending rows.
    CANCELLED = "cancelled"


class OutboxMessage(Base):
    """One Bot API call to make (send, edit, delete), written in the transaction that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "lane", "next_attempt_at", "id"),
        Index("ix_outbox_chat_status", "chat_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inbox_id: Mapped[int | None] = mapped_column(ForeignKey("inbox.id", ondelete="SET NULL"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    lane: Mapped[int] = mapped_column(Integer, default=OutboxLane.INTERACTIVE)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    # Deleted outright once sent instead of kept as metadata (the last message to a person who
    # erased their data: afterwards nothing may point to their chat).
    ephemeral: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The process that claimed the row for sending (PostgreSQL): when that process has ended, the
    # row is given back at once rather than when its lease runs out (bot.runtime.liveness).
    claimed_by: Mapped[str | None] = mapped_column(String(64))


class ChatLease(Base):
    """Which process handles a chat's updates now (PostgreSQL with several processes).

    A process handles an update only while it holds the chat's lease, so one chat's updates are
    handled in order even when they reached different processes; a lease that is not renewed
    runs out, and another process takes the chat over.
    """

    __tablename__ = "chat_leases"

    chat_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class SendBudget(Base):
    """The overall send budget shared by every process: the next free slot of a lane's pacing.

    ``next_slot`` is seconds since the epoch (database clock); a process takes a slot by moving
    it on by one spacing in one statement, so all processes together keep the configured rate.
    """

    __tablename__ = "send_budget"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_slot: Mapped[float] = mapped_column(Float, default=0.0)
