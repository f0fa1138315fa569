"""The chaos test's people: they only answer what the bot showed them in the emulator.

A contact walks the intake and an advisor answers offers by reading their chat and pressing what
the bot showed; neither ever sends anything twice, so every message they get after a kill must
come from the bot's durable inbox and outbox.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.sandbox.emulator import Emulator
from bot.sandbox.models import ChatMessage
from tests.intake_helpers import workday

REFERENCE = re.compile(r"MG-\d{4}-\d{4,}")
STEP_LINE = {"de": "Schritt {n} von", "en": "Step {n} of"}
WAIT = 150.0  # one step's patience: a PostgreSQL lease left by a killed process lasts 60 s


def bot_messages(emulator: Emulator, chat: int) -> list[ChatMessage]:
    """The bot's messages in ``chat`` as they look now, newest first."""
    return [m for m in reversed(emulator.messages_in(chat)) if m.from_bot]


def button_on(message: ChatMessage, match: Callable[[str], bool]) -> str | None:
    """The data of the first button on ``message`` whose data ``match``es."""
    return next(
        (str(b["callback_data"]) for b in message.buttons() if match(str(b.get("callback_data", "")))), None
    )


@dataclass(frozen=True)
class Entry:
    """What one contact types and picks; the request must be stored exactly so."""

    n: int
    language: str
    name: str
    role: str
    email: str
    phone: tuple[str, str]  # as typed, as stored
    topic: str
    spoken: str
    goals: str
    window: tuple[date, str]
    meeting_format: str


def entry(n: int, language: str) -> Entry:
    """Contact number ``n``'s answers: distinct per contact, with characters that must be escaped."""
    return Entry(
        n=n,
        language=language,
        name=f"Kim {n} <Müller> & Co",
        role="Integrationsbüro" if language == "de" else "Integration office",
        email=f"kontakt{n}@tuebingen.de",
        phone=(f"07071 204 {1000 + n}", f"+497071204{1000 + n}"),
        topic=("festival", "partnership", "flight")[n % 3],
        spoken=("tr", "ar", "uk")[n % 3],
        goals=f"Ziel {n}: unsere <Faire Woche> & mehr öffnen.",
        window=(workday(9 + n % 6), ("am", "pm")[n % 2]),
        meeting_format=("online", "on_site", "phone")[n % 3],
    )


class Contact:
    """A municipal contact who walks the intake once, answering only what the bot shows."""

    def __init__(self, emulator: Emulator, user_id: int, entry: Entry) -> None:
        """A contact in ``user_id``'s chat who will enter ``entry``."""
        self.emulator = emulator
        self.chat = user_id
        self.entry = entry
        self.reference: str | None = None
        self.actions = 0

    def _step(self, n: int) -> Callable[[], bool]:
        """Whether the question of intake step ``n`` has been shown."""
        line = STEP_LINE[self.entry.language].format(n=n)
        return lambda: any(line in (m.text or "") for m in bot_messages(self.emulator, self.chat))

    def _button(self, match: Callable[[str], bool]) -> Callable[[], tuple[int, str] | None]:
        """Finds (message id, data) of the newest button whose data ``match``es."""

        def find() -> tuple[int, str] | None:
            """The newest matching button, or None."""
            for message in bot_messages(self.emulator, self.chat):
                if found := button_on(message, match):
                    return message.message_id, found
            return None

        return find

    def _has(self, prefix: str) -> Callable[[], tuple[int, str] | None]:
        """Finds the newest button whose data starts with ``prefix``."""
        return self._button(lambda d: d.startswith(prefix))

    async def _wait(self, predicate: Callable[[], object], what: str) -> None:
        """Wait (patiently: the bot may be down) until ``predicate`` holds."""
        await self.emulator.wait_for(predicate, WAIT, f"contact {self.entry.n}: {what}")

    async def say(self, text: str, then: Callable[[], object], what: str) -> None:
        """Type ``text``; wait until the chat shows ``then``."""
        self.emulator.send_text(self.chat, text)
        self.actions += 1
        await self._wait(then, what)

    async def press(self, match: str | Callable[[str], bool], then: Callable[[], object], what: str) -> None:
        """Press the newest button whose data starts with ``match`` (or satisfies it); wait for ``then``."""
        found = self._has(match)() if isinstance(match, str) else self._button(match)()
        assert found, f"contact {self.entry.n}: no button {match!r} before {what}"
        self.emulator.press_button(self.chat, *found)
        self.actions += 1
        await self._wait(then, what)

    async def run(self) -> None:
        """The whole intake; ends when the confirmation with its reference is in the chat."""
        e = self.entry
        command = "/anfrage" if e.language == "de" else "/request"
        await self.say(command, self._has("ik:cs:y:"), "consent")
        await self.press("ik:cs:y:", self._step(1), "step 1")
        await self.say("Tuebingen", self._has("ik:mu:g:08416041"), "place choice")
        await self.press("ik:mu:g:08416041", self._step(2), "step 2")
        for n, text in enumerate((e.name, e.role, e.email, e.phone[0]), start=3):
            await self.say(text, self._step(n), f"step {n}")
        await self.press(f"ik:tp:+:{e.topic}", self._has(f"ik:tp:-:{e.topic}"), "topic chosen")
        await self.press("ik:tp:done", self._step(7), "step 7")
        await self.press(f"ik:la:+:{e.spoken}", self._has(f"ik:la:-:{e.spoken}"), "language chosen")
        await self.press("ik:la:done", self._step(8), "step 8")
        await self.say(e.goals, self._step(9), "step 9")
        await self._pick_window()
        await self.press("ik:tw:done", self._step(10), "step 10")
        await self.press(
            f"ik:fm:v:{e.meeting_format}", self._button(lambda d: d.endswith(":send")), "summary"
        )
        await self.press(lambda d: d.endswith(":send"), self._confirmed, "confirmation")

    def _confirmed(self) -> str | None:
        """The reference of the confirmation, once it is in the chat."""
        for message in bot_messages(self.emulator, self.chat):
            if found := REFERENCE.search(message.text or ""):
                self.reference = found.group(0)
                return self.reference
        return None

    async def _pick_window(self) -> None:
        """Choose the entry's time window in the calendar (paging to its month if needed)."""
        day, part = self.entry.window
        code, target = f"ik:tw:d:{day:%Y%m%d}", f"ik:tw:m:{day:%Y%m}"
        if not self._has(code)():  # the day is in a later month: page forward (▶️)
            forward = max(d for d in self._months() if d <= target)
            await self.press(forward, lambda: self._has(code)(), "calendar page")
        await self.press(code, self._has(f"ik:tw:p:{day:%Y%m%d}:{part}"), "part of day")
        await self.press(f"ik:tw:p:{day:%Y%m%d}:{part}", self._has(f"ik:tw:r:{day:%Y%m%d}:{part}"), "window")

    def _months(self) -> list[str]:
        """The month buttons (◀️ ▶️) of the newest calendar."""
        for message in bot_messages(self.emulator, self.chat):
            months = [
                str(b["callback_data"])
                for b in message.buttons()
                if str(b.get("callback_data", "")).startswith("ik:tw:m:")
            ]
            if months:
                return months
        return []


class AdvisorDriver:
    """An advisor who answers every offer in their chat once: accepts or declines (with a reason).

    Whether to accept, and the short pause before pressing (so presses land at every point of a
    bot's life), are drawn from a seeded generator in the order the offers arrive.
    """

    def __init__(self, emulator: Emulator, user_id: int, rng: random.Random, accept_share: float) -> None:
        """An advisor in ``user_id``'s chat who accepts about ``accept_share`` of the offers."""
        self.emulator = emulator
        self.chat = user_id
        self.rng = rng
        self.accept_share = accept_share
        self.plans: dict[str, tuple[float, bool]] = {}  # offer id → (when to answer, accept?)
        self.answered: dict[str, str] = {}  # offer id → "accepted" | "declining" | "declined"

    def open_offers(self) -> list[str]:
        """Offers seen but not fully answered yet."""
        return [o for o in self.plans if self.answered.get(o) not in ("accepted", "declined")]

    def _step(self) -> None:
        """Plan newly seen offers and press what is due: accept, decline, the decline's reason."""
        now = time.monotonic()
        for message in bot_messages(self.emulator, self.chat):
            for button in message.buttons():
                data = str(button.get("callback_data", ""))
                if not data.startswith("of:"):
                    continue
                kind, _sep, rest = data.removeprefix("of:").partition(":")
                offer = rest.split(":")[0]
                if kind == "a" and offer not in self.plans:
                    self.plans[offer] = (
                        now + self.rng.uniform(0.0, 1.0),
                        self.rng.random() < self.accept_share,
                    )
                if offer not in self.plans or self.plans[offer][0] > now:
                    continue
                state = self.answered.get(offer)
                accept = self.plans[offer][1]
                if state is None and kind == ("a" if accept else "d"):
                    self.emulator.press_button(self.chat, message.message_id, data)
                    self.answered[offer] = "accepted" if accept else "declining"
                elif state == "declining" and kind == "r":
                    self.emulator.press_button(self.chat, message.message_id, data)
                    self.answered[offer] = "declined"

    async def run(self, stop: asyncio.Event) -> None:
        """Answer offers until ``stop`` is set."""
        while not stop.is_set():
            self._step()
            await self.emulator.wait_change(self.emulator.version, 0.2)
