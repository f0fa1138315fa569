"""Kickoff requests (Auftaktgespräch), their funnel events and the yearly reference counter."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class RequestStatus(enum.StrEnum):
    """Where a request stands in the programme funnel (and its side exits)."""

    SUBMITTED = "submitted"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    KICKOFF_HELD = "kickoff_held"
    CONSULTATION = "consultation"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    NO_MATCH = "no_match"


class MeetingFormat(enum.StrEnum):
    """How the kickoff talk takes place."""

    ON_SITE = "on_site"
    ONLINE = "online"
    PHONE = "phone"


class PlaceKind(enum.StrEnum):
    """Who asks: a Gemeinde (Stadt, Gemeinde) or a Landkreis."""

    GEMEINDE = "gemeinde"
    KREIS = "kreis"


class KickoffRequest(Base):
    """A submitted request for a kickoff talk, with everything the intake collected."""

    __tablename__ = "kickoff_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    # Nullable so that erasing a user can keep an anonymous request for the statistics.
    contact_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.SUBMITTED, index=True)
    place_kind: Mapped[str] = mapped_column(String(8))
    place_ags: Mapped[str] = mapped_column(String(8))
    place_name: Mapped[str] = mapped_column(String(128))
    kreis_ags: Mapped[str] = mapped_column(String(5))
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_role: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    topic_other: Mapped[str | None] = mapped_column(String(200))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    goals: Mapped[str | None] = mapped_column(Text)
    # [{"date": "2026-05-12", "part": "am" | "pm" | "day"}], at most three.
    time_windows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    flexible: Mapped[bool] = mapped_column(Boolean, default=False)
    meeting_format: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(8))
    consent_version: Mapped[str] = mapped_column(String(16))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when the personal fields were erased (retention sweep or the contact's erasure).
    anonymized_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RequestEvent(Base):
    """One transition of a request: who moved it from which status to which, and when."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("kickoff_requests.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReferenceCounter(Base):
    """The last reference number given out per year (MG-YYYY-NNNN), incremented atomically."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer)
