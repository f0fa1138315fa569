"""Who coordinates: the list, and granting or revoking the coordinator role in the chat (audited).

A role granted here is recorded with source ``chat`` and stays until revoked here. A role from
``COORDINATOR_IDS`` (source ``config``) ends when the id is removed from the settings; while the id
is configured it cannot be revoked here (the next start would grant it again). The last coordinator
is never revoked: somebody must be able to steer the programme.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit, users
from models import AuditAction, Role, RoleSource, User, UserRole

# Telegram user names: 5–32 letters, digits and underscores; ids are positive integers.
USERNAME_MAX = 32
ID_DIGITS_MAX = 15


class RoleOutcome(enum.StrEnum):
    """What a grant or revoke did, or why it did nothing."""

    DONE = "done"
    NOT_ALLOWED = "not_allowed"  # the actor is no coordinator (any more)
    NOT_FOUND = "not_found"  # no such user
    ALREADY = "already"  # granting to a coordinator
    NOT_HOLDING = "not_holding"  # revoking from someone who is no coordinator
    LAST = "last"  # revoking the last coordinator
    CONFIGURED = "configured"  # revoking a role COORDINATOR_IDS still grants


@dataclass(frozen=True)
class Coordinator:
    """One coordinator as listed: the user, since when, and where the role came from."""

    user: User
    since: datetime
    source: RoleSource | None


@dataclass(frozen=True)
class RoleChange:
    """The result of a grant or revoke, with the person concerned when there is one."""

    kind: RoleOutcome
    user: User | None = None


async def coordinators(session: AsyncSession) -> list[Coordinator]:
    """Every coordinator, longest-serving first."""
    rows = await session.execute(
        select(User, UserRole)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.COORDINATOR.value)
        .order_by(UserRole.granted_at, User.id)
    )
    return [
        Coordinator(user, role.granted_at, RoleSource(role.source) if role.source else None)
        for user, role in rows.tuples().all()
    ]


async def find_person(session: AsyncSession, text: str) -> User | None:
    """The known user behind a typed Telegram id or @username (case-insensitive); None if unknown."""
    value = text.strip()
    if value.isdigit() and len(value) <= ID_DIGITS_MAX:
        return await users.get_by_telegram_id(session, int(value))
    name = value.removeprefix("@")
    if not name or len(name) > USERNAME_MAX or not name.replace("_", "").isalnum():
        return None
    return await session.scalar(
        select(User).where(func.lower(User.username) == name.lower()).order_by(User.id).limit(1)
    )


def _row(user: User) -> UserRole | None:
    """The user's coordinator role row, if any."""
    return next((r for r in user.role_rows if r.role == Role.COORDINATOR.value), None)


async def _lock_coordinators(session: AsyncSession) -> int:
    """Lock every coordinator role row (PostgreSQL; SQLite has one writer) and count them, so two
    revocations at once cannot both pass the "not the last one" check."""
    rows = await session.scalars(
        select(UserRole.user_id).where(UserRole.role == Role.COORDINATOR.value).with_for_update()
    )
    return len(list(rows))


async def _actor_may(session: AsyncSession, actor_user_id: int) -> bool:
    """Whether the acting user is a coordinator now (by the database)."""
    return await audit.is_coordinator(session, actor_user_id)


def revocable(user: User, configured_ids: Iterable[int], count: int) -> RoleOutcome:
    """Whether ``user``'s coordinator role may be revoked in the chat (DONE), and if not why."""
    row = _row(user)
    if row is None:
        return RoleOutcome.NOT_HOLDING
    if count <= 1:
        return RoleOutcome.LAST
    if row.source in (None, RoleSource.CONFIG.value) and user.telegram_id in set(configured_ids):
        return RoleOutcome.CONFIGURED
    return RoleOutcome.DONE


async def check_revoke(
    session: AsyncSession, target_user_id: int, configured_ids: Iterable[int]
) -> RoleChange:
    """What revoking would do now, without doing it (for the confirmation screen)."""
    user = await session.get(User, target_user_id)
    if user is None:
        return RoleChange(RoleOutcome.NOT_FOUND)
    count = len(await users.users_with_role(session, Role.COORDINATOR))
    return RoleChange(revocable(user, configured_ids, count), user)


async def grant(session: AsyncSession, actor_user_id: int, target_user_id: int, now: datetime) -> RoleChange:
    """Make the user a coordinator (source ``chat``), recorded in the audit trail."""
    if not await _actor_may(session, actor_user_id):
        return RoleChange(RoleOutcome.NOT_ALLOWED)
    user = await session.get(User, target_user_id, populate_existing=True)
    if user is None:
        return RoleChange(RoleOutcome.NOT_FOUND)
    await session.refresh(user, ["role_rows"])
    if not users.grant_role(user, Role.COORDINATOR, RoleSource.CHAT):
        return RoleChange(RoleOutcome.ALREADY, user)
    audit.record(session, actor_user_id, AuditAction.ROLE_GRANT, now, details=_details(user))
    await session.flush()
    return RoleChange(RoleOutcome.DONE, user)


async def revoke(
    session: AsyncSession,
    actor_user_id: int,
    target_user_id: int,
    configured_ids: Iterable[int],
    now: datetime,
) -> RoleChange:
    """Take the coordinator role away (never from the last one, nor a configured one), audited."""
    if not await _actor_may(session, actor_user_id):
        return RoleChange(RoleOutcome.NOT_ALLOWED)
    count = await _lock_coordinators(session)
    user = await session.get(User, target_user_id, populate_existing=True)
    if user is None:
        return RoleChange(RoleOutcome.NOT_FOUND)
    await session.refresh(user, ["role_rows"])
    outcome = revocable(user, configured_ids, count)
    if outcome is not RoleOutcome.DONE:
        return RoleChange(outcome, user)
    row = _row(user)
    details = {**_details(user), "source": row.source if row else None}
    users.revoke_role(user, Role.COORDINATOR)
    audit.record(session, actor_user_id, AuditAction.ROLE_REVOKE, now, details=details)
    await session.flush()
    return RoleChange(RoleOutcome.DONE, user)


def _details(user: User) -> dict[str, object]:
    """The audit details of a role change."""
    # The internal user id only: names change, and the audit trail should not copy personal data.
    return {"user_id": user.id}
