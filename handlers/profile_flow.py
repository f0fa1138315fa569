"""Where the profile's field screens belong: the profile itself (``pf:`` buttons, "Done" returns to
it) or the guided set-up after an invitation (``ob:`` buttons, five steps, "Next" or "Skip" go on)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton

from bot.commands import command
from bot.context import BotContext
from handlers.callback_data import PROFILE, data

# The guided set-up: its buttons and its steps in order (languages, area, home, topics, capacity).
ONBOARD = "ob"
STEPS = ("l", "r", "h", "t", "c")
END = "end"


@dataclass(frozen=True)
class Flow:
    """Where the field screens belong: the profile (``pf:`` buttons, "Done" returns to it) or the
    guided set-up (``ob:`` buttons, "Next" or "Skip" go to the following step)."""

    prefix: str

    @property
    def guided(self) -> bool:
        """Whether this is the guided set-up after an invitation."""
        return self.prefix == ONBOARD

    def cb(self, action: str, *args: object) -> str:
        """The callback data of one of this flow's buttons."""
        return data(self.prefix, action, *args)


PROFILE_FLOW, GUIDED = Flow(PROFILE), Flow(ONBOARD)


def next_step(step: str) -> str:
    """The guided step after ``step`` (``END`` after the last)."""
    index = STEPS.index(step) + 1 if step in STEPS else len(STEPS)
    return STEPS[index] if index < len(STEPS) else END


def head(context: BotContext, flow: Flow, step: str, text: str) -> str:
    """In the guided set-up: which step of how many, and that it can be done later in the profile."""
    if not flow.guided:
        return text
    _ = context.gettext
    counter = _("<i>Step {number} of {total}</i>").format(number=STEPS.index(step) + 1, total=len(STEPS))
    later = _("You can skip this and set it later with /{command}.").format(
        command=command("profile").name(context.locale)
    )
    return f"{counter}\n{text}\n\n{later}"


def footer(context: BotContext, flow: Flow, step: str, filled: bool) -> list[InlineKeyboardButton]:
    """What closes a field screen: "Done" in the profile; "Next" (something chosen) or "Skip" in
    the guided set-up."""
    if not flow.guided:
        return done(context)
    label = context.gettext("➡️ Next") if filled else context.gettext("⏭ Skip")
    return [InlineKeyboardButton(label, callback_data=data(ONBOARD, "s", next_step(step)))]


def done(context: BotContext) -> list[InlineKeyboardButton]:
    """The "Done" button: back to the whole profile."""
    return [InlineKeyboardButton(context.gettext("✅ Done"), callback_data=data(PROFILE, "v"))]
