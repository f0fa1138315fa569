"""What the sandbox's bot knows from the start: an advisor ready for the first request.

Only ``python -m bot sandbox`` calls this, on its own database: the advisor column becomes an
advisor through the same services an invitation uses, with a complete profile (languages, the
whole of Baden-Württemberg, a home, every topic, room for several requests, available now), so
the first request of the municipality column gets an offer without inviting anyone first.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot import commands
from bot.services import advisors, invitations, users
from bot.services.advisors import ADVISOR_TOPICS, ProfileFields
from bot.services.geography import regierungsbezirk_names
from bot.services.users import TelegramIdentity
from models import Advisor, Role, utcnow

DEMO_LANGUAGES = ("tr", "ar", "uk", "en")
DEMO_HOME = "08111000"  # Stuttgart
DEMO_CAPACITY = 5


async def seed_advisor(session: AsyncSession, identity: TelegramIdentity, default_locale: str) -> Advisor:
    """Make the person behind ``identity`` an advisor with a complete profile (once)."""
    user = await users.touch(session, identity, default_locale)
    existing = await advisors.by_user(session, user.id)
    if existing is not None:
        return existing
    now = utcnow()
    invitation = await invitations.create(session, None, now)
    result = await invitations.redeem(session, invitation.token, user.id, now)
    assert result.advisor is not None, result
    fields = ProfileFields(
        languages=DEMO_LANGUAGES,
        regierungsbezirke=tuple(regierungsbezirk_names()),
        home_ags=DEMO_HOME,
        topics=ADVISOR_TOPICS,
        capacity=DEMO_CAPACITY,
    )
    advisor = await advisors.update_profile(session, result.advisor.id, fields, now)
    assert advisor is not None
    commands.enqueue_menu(session, user)  # the advisor's menu in their chat
    return advisor


async def roles_by_telegram_id(session: AsyncSession) -> dict[int, Role]:
    """Each staff member's role as the page shows it (coordination wins over advising)."""
    found: dict[int, Role] = {}
    for role in (Role.ADVISOR, Role.COORDINATOR):
        for user in await users.users_with_role(session, role):
            found[user.telegram_id] = role
    return found
