"""Offers of a request to one advisor at a time: the matching cascade's state, deadlines and reasons."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class OfferStatus(enum.StrEnum):
    """Where an offer stands; every status but ``pending`` is final."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    # The request went away (withdrawn, assigned by hand) while the offer was pending.
    WITHDRAWN = "withdrawn"
    # A coordinator assigned the advisor by hand, final at once (before hand assignments became
    # offers the advisor answers); counts as accepted. Kept for the requests assigned that way.
    ASSIGNED = "assigned"
    # The advisor gave back a request they had accepted (``decline_reason`` says why).
    RETURNED = "returned"


# The advisor holds the request under these statuses.
HOLDING_STATUSES = (OfferStatus.ACCEPTED, OfferStatus.ASSIGNED)


class Offer(Base):
    """One request offered to one advisor, with the ranking that chose them.

    At most one offer per request is pending (a partial unique index guards it on both databases).
    The row itself records the offer's transitions: who decided (``decided_by_user_id``) and when.
    """

    __tablename__ = "offers"
    __table_args__ = (
        Index(
            "uq_offers_pending_request",
            "request_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        # Matching counts every advisor's open offers from this index alone (``open_loads``).
        Index("ix_offers_loads", "status", "advisor_id", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("kickoff_requests.id", ondelete="CASCADE"), index=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("advisors.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=OfferStatus.PENDING, index=True)
    respond_by: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(String(200))
    # The ranked candidates with score breakdown and reasons when this offer was made.
    ranking: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The coordinator who offered the request by hand; a hand offer that ends unaccepted goes back
    # to the coordinators instead of on to the next advisor.
    offered_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The outbox rows of the offer message and of its reminder, so that both lose their buttons
    # once the offer ends (no foreign key: pruned outbox rows simply leave nothing to edit).
    message_outbox_id: Mapped[int | None] = mapped_column(Integer)
    reminder_outbox_id: Mapped[int | None] = mapped_column(Integer)
