"""What coordinators did: one audit row per action, shown in the request's (or advisor's) history."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class AuditAction(enum.StrEnum):
    """The coordinator actions that are recorded."""

    NOTE = "note"
    CLOSE = "close"
    REOFFER = "reoffer"
    ASSIGN = "assign"
    # A held request taken from its advisor and offered anew or given to another (issue 14).
    REASSIGN = "reassign"
    ADVISOR_PAUSE = "advisor_pause"
    ADVISOR_REACTIVATE = "advisor_reactivate"
    ADVISOR_DEACTIVATE = "advisor_deactivate"
    BROADCAST_CREATE = "broadcast_create"
    BROADCAST_SCHEDULE = "broadcast_schedule"
    BROADCAST_CANCEL = "broadcast_cancel"
    BROADCAST_RETRY = "broadcast_retry"
    EXPORT = "export"
    # A coordinator granted or revoked the coordinator role in the chat (issue 12).
    ROLE_GRANT = "role_grant"
    ROLE_REVOKE = "role_revoke"
    # A coordinator sent a person their data file or erased a person on their behalf (issue 12).
    DATA_EXPORT = "data_export"
    DATA_ERASURE = "data_erasure"
    # A coordinator made, changed, retired or reactivated a chat-made knowledge-base entry; the
    # details name the entry ("team-3") and what changed. Stored as text: no migration needed.
    KNOWLEDGE_CREATE = "knowledge_create"
    KNOWLEDGE_EDIT = "knowledge_edit"
    KNOWLEDGE_RETIRE = "knowledge_retire"
    KNOWLEDGE_REACTIVATE = "knowledge_reactivate"


class CoordinatorAction(Base):
    """One coordinator action: who did what to which request or advisor, when, with details.

    A request's audit rows go with the request (notes may hold personal data, so erasing the
    request erases them); an advisor's survive the profile with an empty target.
    """

    __tablename__ = "coordinator_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("kickoff_requests.id", ondelete="CASCADE"), index=True
    )
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisors.id", ondelete="SET NULL"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
