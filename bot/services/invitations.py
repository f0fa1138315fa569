"""One-time advisor invitations: a deep link ``https://t.me/<bot>?start=inv_<token>`` valid for 7 days.

Redeeming is a compare-and-set on the invitation (``… WHERE redeemed_at IS NULL AND expires_at >
:now``): of two taps, two workers or two people with the same link exactly one wins.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.advisors import by_user
from bot.services.users import grant_role
from models import Advisor, AdvisorInvitation, Role, RoleSource, User

INVITATION_TTL = timedelta(days=7)
START_PREFIX = "inv_"
# 24 random bytes → 32 URL-safe characters; "inv_" + token stays within Telegram's 64-character
# start parameter and its alphabet [A-Za-z0-9_-].
TOKEN_BYTES = 24


class RedeemOutcome(enum.StrEnum):
    """What opening an invitation link did."""

    REDEEMED = "redeemed"  # the user is an advisor now (result.advisor); greet them, show the profile
    ALREADY_REDEEMED = "already_redeemed"  # this user used this link before: nothing new
    USED = "used"  # somebody else used it
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # no such token (mistyped, forged or deleted)
    PROFILE_TAKEN = "profile_taken"  # its prefilled profile belongs to another user already


@dataclass(frozen=True)
class RedeemResult:
    """The outcome of :func:`redeem`; ``created`` tells whether a new profile was made."""

    kind: RedeemOutcome
    invitation: AdvisorInvitation | None = None
    advisor: Advisor | None = None
    created: bool = False


def new_token() -> str:
    """A fresh unguessable token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256, so that a copy of the database opens no link."""
    return hashlib.sha256(token.encode()).hexdigest()


def deep_link(bot_username: str, token: str) -> str:
    """The link that opens the bot with the invitation: ``https://t.me/<bot>?start=inv_<token>``."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={START_PREFIX}{token}"


def token_from_start(payload: str | None) -> str | None:
    """The token in a ``/start`` payload, or None when the payload is no invitation."""
    if not payload or not payload.startswith(START_PREFIX):
        return None
    token = payload.removeprefix(START_PREFIX)
    return token or None


async def create(
    session: AsyncSession,
    created_by_user_id: int | None,
    now: datetime,
    advisor_id: int | None = None,
    ttl: timedelta = INVITATION_TTL,
) -> AdvisorInvitation:
    """A new invitation; with ``advisor_id`` it links that (prefilled) profile when redeemed."""
    token = new_token()
    invitation = AdvisorInvitation(
        token_hash=token_hash(token),
        advisor_id=advisor_id,
        created_by_user_id=created_by_user_id,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(invitation)
    await session.flush()
    # Known only in this transaction: the caller shows the link once; the database keeps the hash.
    invitation.token = token
    return invitation


async def redeem(session: AsyncSession, token: str, user_id: int, now: datetime) -> RedeemResult:
    """Make the user an advisor with the invitation ``token``, exactly once.

    The profile is, in this order: the prefilled one the invitation names (linked now), the one
    the user already has (reactivated), or a new one named after the user.
    """
    invitation = await session.scalar(
        select(AdvisorInvitation)
        .where(AdvisorInvitation.token_hash == token_hash(token))
        .execution_options(populate_existing=True)
    )
    user = await session.get(User, user_id)
    if invitation is None or user is None:
        return RedeemResult(RedeemOutcome.UNKNOWN)
    if invitation.redeemed_at is not None:
        mine = invitation.redeemed_by_user_id == user_id
        advisor = await by_user(session, user_id) if mine else None
        kind = RedeemOutcome.ALREADY_REDEEMED if mine else RedeemOutcome.USED
        return RedeemResult(kind, invitation, advisor)
    if invitation.expires_at <= now:
        return RedeemResult(RedeemOutcome.EXPIRED, invitation)
    existing = await by_user(session, user_id)
    prefilled = await session.get(Advisor, invitation.advisor_id) if invitation.advisor_id else None
    if prefilled is not None and prefilled.user_id not in (None, user_id):
        return RedeemResult(RedeemOutcome.PROFILE_TAKEN, invitation)
    claimed = await session.execute(
        update(AdvisorInvitation)
        .where(
            AdvisorInvitation.id == invitation.id,
            AdvisorInvitation.redeemed_at.is_(None),
            AdvisorInvitation.expires_at > now,
        )
        .values(redeemed_by_user_id=user_id, redeemed_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return RedeemResult(RedeemOutcome.USED, invitation)
    advisor, created = _profile_for(session, user, existing, prefilled, now)
    advisor.active = True
    advisor.updated_at = now
    grant_role(user, Role.ADVISOR, RoleSource.INVITATION)
    await session.flush()
    await session.refresh(invitation)  # load what the compare-and-set wrote
    invitation.advisor_id = advisor.id
    return RedeemResult(RedeemOutcome.REDEEMED, invitation, advisor, created)


def _profile_for(
    session: AsyncSession, user: User, existing: Advisor | None, prefilled: Advisor | None, now: datetime
) -> tuple[Advisor, bool]:
    """The advisor profile an invited user gets, and whether it is new to them."""
    # A user has at most one profile (unique user_id): one they already have wins over a
    # prefilled one, which then stays unlinked for the coordinators to tidy up.
    if existing is not None:
        return existing, False
    if prefilled is not None:
        prefilled.user_id = user.id
        return prefilled, False
    name = (user.first_name or user.username or "Advisor").strip()[:100] or "Advisor"
    advisor = Advisor(display_name=name, user_id=user.id, created_at=now, updated_at=now)
    session.add(advisor)
    return advisor, True


async def creator_of(session: AsyncSession, invitation: AdvisorInvitation) -> User | None:
    """Who created the invitation (None for the CSV import, or when that account was erased)."""
    if invitation.created_by_user_id is None:
        return None
    return await session.get(User, invitation.created_by_user_id)


async def pending_for_advisor(
    session: AsyncSession, advisor_id: int, now: datetime
) -> list[AdvisorInvitation]:
    """Unredeemed, unexpired invitations for a prefilled profile (to show or renew a link)."""
    rows = await session.scalars(
        select(AdvisorInvitation)
        .where(
            AdvisorInvitation.advisor_id == advisor_id,
            AdvisorInvitation.redeemed_at.is_(None),
            AdvisorInvitation.expires_at > now,
        )
        .order_by(AdvisorInvitation.id)
    )
    return list(rows)
