"""Users: first contact, locale, roles and reachability."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import normalize_locale
from models import Role, User, UserRole, utcnow


@dataclass(frozen=True)
class TelegramIdentity:
    """What the bot learns about a person from an update (kept free of PTB types)."""

    telegram_id: int
    first_name: str
    username: str | None
    language_code: str | None


async def get_by_telegram_id(session: AsyncSession, telegram_id: int) -> User | None:
    """The stored user with this Telegram id, if any."""
    return await session.scalar(select(User).where(User.telegram_id == telegram_id))


async def touch(session: AsyncSession, identity: TelegramIdentity, default_locale: str) -> User:
    """Find or create the user behind ``identity`` and note that they are reachable again.

    A new user's locale comes from Telegram's ``language_code`` (the default when unknown);
    later it is theirs to change and is never overwritten here.
    """
    user = await get_by_telegram_id(session, identity.telegram_id)
    now = utcnow()
    if user is None:
        user = User(
            telegram_id=identity.telegram_id,
            first_name=identity.first_name[:128],
            username=(identity.username or None) and identity.username[:64],
            locale=normalize_locale(identity.language_code, default_locale),
            created_at=now,
            role_rows=[],
        )
        session.add(user)
    else:
        user.first_name = identity.first_name[:128]
        user.username = (identity.username or None) and identity.username[:64]
    user.last_seen_at = now
    user.unreachable_since = None
    await session.flush()
    return user


def grant_if_configured(user: User, coordinator_ids: Iterable[int]) -> bool:
    """Make the user a coordinator if the settings name them; True if that changed anything."""
    return user.telegram_id in set(coordinator_ids) and grant_role(user, Role.COORDINATOR)


def grant_role(user: User, role: Role) -> bool:
    """Give ``user`` the role; False if they held it already. Contact is implicit."""
    if role is Role.CONTACT or user.has_role(role):
        return False
    user.role_rows.append(UserRole(role=role.value, granted_at=utcnow()))
    return True


def revoke_role(user: User, role: Role) -> bool:
    """Take the role away; False if they did not hold it."""
    for row in list(user.role_rows):
        if row.role == role.value:
            user.role_rows.remove(row)
            return True
    return False


async def set_locale(user: User, locale: str) -> None:
    """Store the user's chosen locale."""
    user.locale = locale


async def mark_unreachable(session: AsyncSession, telegram_id: int) -> None:
    """Note that the user blocked the bot (Telegram answered 403)."""
    await session.execute(
        update(User)
        .where(User.telegram_id == telegram_id, User.unreachable_since.is_(None))
        .values(unreachable_since=utcnow())
    )


async def users_with_role(session: AsyncSession, role: Role) -> list[User]:
    """Every user holding ``role``, oldest first."""
    result = await session.scalars(
        select(User).join(UserRole).where(UserRole.role == role.value).order_by(User.id)
    )
    return list(result)


async def grant_configured_coordinators(session: AsyncSession, telegram_ids: Iterable[int]) -> int:
    """Make the already known users among ``telegram_ids`` coordinators; returns how many changed."""
    ids = list(telegram_ids)
    if not ids:
        return 0
    users = await session.scalars(select(User).where(User.telegram_id.in_(ids)))
    return sum(grant_role(user, Role.COORDINATOR) for user in users)
