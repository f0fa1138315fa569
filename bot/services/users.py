"""Users: first contact, locale, roles and reachability."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CTE, ColumnElement, Select, bindparam, exists, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from bot.i18n import normalize_locale
from bot.services import absent_rows
from models import Role, RoleSource, User, UserRole, utcnow


@dataclass(frozen=True)
class TelegramIdentity:
    """What the bot learns about a person from an update (kept free of PTB types)."""

    telegram_id: int
    first_name: str
    username: str | None
    language_code: str | None


# Every update reads its sender: one query with the roles joined (not a second one for them), built
# once rather than per update.
_BY_TELEGRAM_ID = (
    select(User).options(joinedload(User.role_rows)).where(User.telegram_id == bindparam("telegram_id"))
)

# What every update notes about its sender (see touch).
_USERS = User.__table__
_SEEN_COLUMNS = ("first_name", "username", "last_seen_at", "unreachable_since")
_SEEN_VALUES = {_USERS.c[name]: bindparam(f"new_{name}", type_=_USERS.c[name].type) for name in _SEEN_COLUMNS}
_SEEN = update(_USERS).where(_USERS.c.id == bindparam("user_id")).values(_SEEN_VALUES)


def _seen_now(*conditions: ColumnElement[bool]) -> CTE:
    """PostgreSQL: the UPDATE (in a WITH clause) that notes the sender as seen, if ``conditions``
    hold, and returns their row."""
    return (
        update(_USERS)
        .where(_USERS.c.telegram_id == bindparam("sender_telegram_id"), *conditions)
        .values(_SEEN_VALUES)
        .returning(*_USERS.c)
        .cte("seen")
    )


def _read_back(seen: CTE, first: CTE | None = None) -> Select[Any]:
    """The sender noted by ``seen``, with their roles and whether they have an intake draft or an
    open text question (bot.services.absent_rows), after ``first``'s columns if given."""
    seen_user = aliased(User, seen)
    leading = tuple(first.c) if first is not None else ()
    statement = select(*leading, seen_user, *absent_rows.presence(seen.c.id))
    if first is not None:
        statement = statement.select_from(first).outerjoin(seen, true())
    return (
        statement.outerjoin(seen_user.role_rows)
        .options(contains_eager(seen_user.role_rows))
        .execution_options(populate_existing=True)
    )


# PostgreSQL notes the sender as seen and reads them back with their roles in one statement (an
# UPDATE in a WITH clause): a round trip less on every update. SQLite has no UPDATE in a WITH
# clause; there the read and the write are two statements (each a function call, not a round trip).
_TOUCHED = _read_back(_seen_now())


# Where a statement that read the sender along with something else leaves them for touch (see
# read_along): the session's info key, holding (telegram id, user or None for someone new).
_READ_ALONG = "sender_read_along"


def read_along(first: CTE) -> Select[Any]:
    """A PostgreSQL statement that runs ``first`` (a data-modifying CTE) and, only when it returns
    a row, notes the sender as seen and reads them as :func:`touch` does: ``first``'s columns,
    then the sender (None for someone new) and what :func:`bot.services.absent_rows.presence`
    says. Its values come from :func:`read_along_values`; :func:`note_read_along` hands the
    row's rest to the next :func:`touch`, which then needs no round trip of its own.
    """
    return _read_back(_seen_now(exists(select(first))), first)


def read_along_values(identity: TelegramIdentity) -> dict[str, Any]:
    """The values of :func:`read_along`'s statement for the sender ``identity``."""
    return {"sender_telegram_id": identity.telegram_id, **_bound(_seen(identity))}


def note_read_along(
    session: AsyncSession, identity: TelegramIdentity, user: User | None, present: Sequence[Any]
) -> None:
    """Keep what :func:`read_along` read of the sender for this transaction's :func:`touch`."""
    if user is not None:
        absent_rows.note(session, user.id, present)
    session.info[_READ_ALONG] = (identity.telegram_id, user)


# SQLite's read of the sender (its write is a statement of its own), with the same answers.
_KNOWN = _BY_TELEGRAM_ID.add_columns(*absent_rows.presence(User.id))


async def get_by_telegram_id(session: AsyncSession, telegram_id: int) -> User | None:
    """The stored user with this Telegram id, if any (with their roles)."""
    result = await session.execute(_BY_TELEGRAM_ID, {"telegram_id": telegram_id})
    return result.unique().scalar_one_or_none()


async def touch(session: AsyncSession, identity: TelegramIdentity, default_locale: str) -> User:
    """Find or create the user behind ``identity`` and note that they are reachable again.

    A new user's locale comes from Telegram's ``language_code`` (the default when unknown);
    later it is theirs to change and is never overwritten here.
    """
    seen = _seen(identity)
    read = session.info.pop(_READ_ALONG, None)
    if read is not None and read[0] == identity.telegram_id:
        user = read[1]  # read and noted as seen already (read_along)
    else:
        user = await _known_and_seen(session, identity.telegram_id, seen)
    if user is not None:
        return user
    try:
        # A savepoint: two first messages at once both insert; the loser reads the winner's row.
        async with session.begin_nested():
            user = User(
                telegram_id=identity.telegram_id,
                first_name=seen["first_name"],
                username=seen["username"],
                locale=normalize_locale(identity.language_code, default_locale),
                created_at=seen["last_seen_at"],
                last_seen_at=seen["last_seen_at"],
                role_rows=[],
            )
            session.add(user)
            await session.flush()
        return user  # stored as seen
    except IntegrityError:
        user = await get_by_telegram_id(session, identity.telegram_id)
        if user is None:
            raise
    await _note_seen(session, user, seen)
    return user


def _seen(identity: TelegramIdentity) -> dict[str, Any]:
    """What an update notes about its sender: their names as Telegram gives them, seen now and
    reachable."""
    return {
        "first_name": identity.first_name[:128],
        "username": (identity.username or None) and identity.username[:64],
        "last_seen_at": utcnow(),
        "unreachable_since": None,
    }


async def _known_and_seen(session: AsyncSession, telegram_id: int, seen: dict[str, Any]) -> User | None:
    """The stored user with ``telegram_id``, noted as ``seen``; None for someone new. What the
    transaction then knows they do not have is noted (:mod:`bot.services.absent_rows`)."""
    if session.get_bind().dialect.name == "postgresql":
        result = await session.execute(_TOUCHED, {"sender_telegram_id": telegram_id, **_bound(seen)})
        row = result.unique().one_or_none()
    else:
        row = (await session.execute(_KNOWN, {"telegram_id": telegram_id})).unique().one_or_none()
        if row is not None:
            await _note_seen(session, row[0], seen)
    if row is None:
        return None
    user, *present = row
    absent_rows.note(session, user.id, present)
    return user


async def _note_seen(session: AsyncSession, user: User, seen: dict[str, Any]) -> None:
    """Write ``seen`` to the user's row and note it on the object as stored."""
    # Written directly: the unit of work's flush cost more than the rest of an ordinary update's
    # bookkeeping.
    await session.execute(_SEEN, {"user_id": user.id, **_bound(seen)})
    for name, value in seen.items():
        set_committed_value(user, name, value)


def _bound(seen: dict[str, Any]) -> dict[str, Any]:
    """``seen`` as the values of :data:`_SEEN_VALUES`' parameters."""
    return {f"new_{name}": value for name, value in seen.items()}


def grant_if_configured(user: User, coordinator_ids: Iterable[int]) -> bool:
    """Align the user's coordinator role with the settings: granted (source config) while they name
    the user, taken away once they do not if it came from them; True if that changed anything."""
    row = _coordinator_row(user)
    if user.telegram_id in set(coordinator_ids):
        if row is not None and row.source is None:
            row.source = RoleSource.CONFIG.value  # granted before sources were recorded
        return grant_role(user, Role.COORDINATOR, RoleSource.CONFIG)
    # A role without a source predates their recording, when only the settings made coordinators.
    if row is not None and row.source in (None, RoleSource.CONFIG.value):
        user.role_rows.remove(row)
        return True
    return False


def _coordinator_row(user: User) -> UserRole | None:
    """The user's coordinator role row, if they have one."""
    return next((r for r in user.role_rows if r.role == Role.COORDINATOR.value), None)


def grant_role(user: User, role: Role, source: RoleSource = RoleSource.CHAT) -> bool:
    """Give ``user`` the role, noting its source; False if they held it already. Contact is implicit."""
    if role is Role.CONTACT or user.has_role(role):
        return False
    user.role_rows.append(UserRole(role=role.value, granted_at=utcnow(), source=source.value))
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


async def grant_configured_coordinators(session: AsyncSession, telegram_ids: Iterable[int]) -> list[User]:
    """At start-up: make the known users among ``telegram_ids`` coordinators and end the configured
    role of everyone no longer named; returns the users whose roles changed (their menus are stale)."""
    ids = set(telegram_ids)
    named = select(User).where(User.telegram_id.in_(ids)) if ids else None
    holders = select(User).join(UserRole).where(UserRole.role == Role.COORDINATOR.value)
    candidates = {u.id: u for u in await session.scalars(holders)}
    if named is not None:
        candidates.update({u.id: u for u in await session.scalars(named)})
    return [user for user in candidates.values() if grant_if_configured(user, ids)]
