"""The broadcast wizard's state before a draft exists, and the answers every step shares.

Until the content arrives the choices are the data of the coordinator's ``chat_inputs`` row
(which also routes their typed Kreis names, texts and dates to the wizard), so a restart
mid-wizard loses nothing. Wizard buttons carry the token of the run they belong to, so an old
screen's buttons change nothing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.context import BotContext
from bot.i18n import N_
from bot.services import chat_inputs
from bot.services.broadcast_audience import AudienceFilter
from bot.services.broadcast_results import BroadcastOutcome
from handlers import broadcast_texts_audience as bta
from handlers.callback_data import Pressed
from models import (
    Broadcast,
    BroadcastStatus,
    ChatInput,
    utcnow,
)

AUDIENCE_INPUT = "bc_audience"  # steps 1–2 (typed text: a Kreis name)
CONTENT_INPUT = "bc_content"  # step 3, or a new text for a draft
WHEN_INPUT = "bc_when"  # a typed date and time for a draft
# The chat_inputs kinds whose typed answers handlers.awaiting hands to ``on_text``.
KINDS: tuple[str, ...] = (AUDIENCE_INPUT, CONTENT_INPUT, WHEN_INPUT)
# Writing a broadcast takes a while; the question stays open that long (and across restarts).
WIZARD_TTL = timedelta(hours=3)
SCREENS = ("aud", "narrow", bta.RB, bta.KR, bta.LA, bta.ST)


@dataclass(frozen=True)
class Wizard:
    """Steps 1–3 of one run: its token, the choices so far, the screen shown, the draft edited."""

    token: int
    audience: str | None = None
    flt: AudienceFilter = field(default_factory=AudienceFilter)
    screen: str = "aud"
    draft_id: int | None = None

    @classmethod
    def new(cls) -> Wizard:
        """A fresh run with its own token."""
        return cls(token=100_000 + secrets.randbelow(900_000))

    @classmethod
    def of(cls, row: ChatInput) -> Wizard:
        """The run stored in ``row``."""
        stored: dict[str, Any] = row.data or {}
        screen = stored.get("screen")
        return cls(
            token=int(stored.get("token") or 0),
            audience=stored.get("audience"),
            flt=AudienceFilter.from_json(stored.get("filters")),
            screen=screen if screen in SCREENS else "aud",
            draft_id=row.target_id,
        )

    def to_json(self) -> dict[str, Any]:
        """What goes into the chat_inputs row."""
        return {
            "token": self.token,
            "audience": self.audience,
            "filters": self.flt.to_json(),
            "screen": self.screen,
        }

    @property
    def editing(self) -> bool:
        """Whether this run changes the audience of an existing draft."""
        return self.draft_id is not None


async def keep(context: BotContext, kind: str, wizard: Wizard) -> None:
    """Store the run as the coordinator's open question of ``kind`` (for the wizard's time to live)."""
    await chat_inputs.expect(
        context.db, context.user.id, kind, utcnow(), wizard.draft_id, wizard.to_json(), ttl=WIZARD_TTL
    )


async def open_question(context: BotContext) -> ChatInput | None:
    """The coordinator's open question if it is one of the wizard's."""
    row = await chat_inputs.current(context.db, context.user.id, utcnow())
    return row if row is not None and row.kind in KINDS else None


async def drop_question(context: BotContext) -> None:
    """Close the wizard's open question, if one is (another module's stays)."""
    row = await open_question(context)
    if row is not None:
        await chat_inputs.take(context.db, row)


async def own_draft(context: BotContext) -> Broadcast | None:
    """The coordinator's latest draft, if any."""
    return await context.db.scalar(
        select(Broadcast)
        .where(Broadcast.created_by_user_id == context.user.id, Broadcast.status == BroadcastStatus.DRAFT)
        .order_by(Broadcast.id.desc())
        .limit(1)
    )


def say(context: BotContext, text: str) -> None:
    """Answer the pressed button with ``text`` in a pop-up."""
    context.answer(context.gettext(text), alert=True)


def refuse(context: BotContext, kind: BroadcastOutcome) -> None:
    """Say why a call on a broadcast changed nothing."""
    if kind == BroadcastOutcome.NOT_FOUND:
        say(context, N_("This broadcast no longer exists."))
    elif kind == BroadcastOutcome.NOT_ALLOWED:
        say(context, N_("This is only available to coordinators."))
    else:
        say(context, N_("This broadcast is no longer a draft: it was sent, scheduled or discarded."))


async def wizard_of(
    context: BotContext, pressed: Pressed, kinds: tuple[str, ...]
) -> tuple[ChatInput, Wizard] | None:
    """The open run whose token the button carries (and in one of ``kinds``); else say it is stale."""
    row = await open_question(context)
    token = pressed.id(0)
    if row is None or row.kind not in kinds or token is None or Wizard.of(row).token != token:
        say(context, N_("This screen is out of date. Send /rundruf to see your broadcast again."))
        return None
    return row, Wizard.of(row)
