"""Scenario 6, intake: 30 contacts fill in the request form (/anfrage) at once, without pauses.

Each contact answers every step the moment the bot's answer to the previous one is complete
(the next question or the changed buttons are there), over a 50 ms round trip; a reaction is
the time from the contact's action to the arrival of the write that completed the answer. The
reference is one contact going through the same steps alone, in the same run. Target: each
contact's reaction p95 <= 1 s.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.common import Options, Report, fresh_database, ms, percentile
from benchmarks.people import Watcher, bot_messages
from benchmarks.runs import Run, real_bot, warm_up
from bot.sandbox.models import ChatMessage

TARGET = 1.0
TIMEOUT = 120.0

Expectation = Callable[[ChatMessage], bool]


def says(part: str) -> Expectation:
    """The bot's newest message contains ``part``."""
    return lambda message: part in (message.text or "")


def offers(part: str) -> Expectation:
    """The bot's newest message has a button whose data contains ``part``."""
    return lambda message: any(part in str(b.get("callback_data", "")) for b in message.buttons())


def ticked(message: ChatMessage) -> bool:
    """The calendar shows a chosen day (its label carries a ✓)."""
    return "Schritt 9 " in (message.text or "") and any(b["text"].startswith("✓") for b in message.buttons())


@dataclass(frozen=True)
class Step:
    """One action of the contact and how the bot's complete answer looks."""

    press: bool  # a button whose data contains ``value``, else a message saying ``value``
    value: str
    done: Expectation


STEPS = (
    Step(False, "/anfrage", offers("ik:cs:y:")),
    Step(True, "ik:cs:y:", says("Schritt 1 ")),
    Step(False, "Tuebingen", offers("ik:mu:g:08416041")),
    Step(True, "ik:mu:g:08416041", says("Schritt 2 ")),
    Step(False, "Ana Müller", says("Schritt 3 ")),
    Step(False, "Integrationsbüro", says("Schritt 4 ")),
    Step(False, "ana@tuebingen.de", says("Schritt 5 ")),
    Step(False, "07071 204 1234", says("Schritt 6 ")),
    Step(True, "ik:tp:+:festival", offers("ik:tp:-:festival")),
    Step(True, "ik:tp:done", says("Schritt 7 ")),
    Step(True, "ik:la:+:tr", offers("ik:la:-:tr")),
    Step(True, "ik:la:done", says("Schritt 8 ")),
    Step(False, "Mehr Vielfalt in der Fairen Woche", says("Schritt 9 ")),
    Step(True, "ik:tw:d:", offers("ik:tw:p:")),
    Step(True, ":am", ticked),
    Step(True, "ik:tw:done", says("Schritt 10 ")),
    Step(True, "ik:fm:v:online", offers(":send")),
    Step(True, ":send", says("MG-")),
)


def _press(run: Run, chat: int, part: str) -> None:
    """Press the first button whose data contains ``part`` on the bot's newest message having one."""
    for message in reversed(bot_messages(run.emulator, chat)):
        for button in message.buttons():
            if part in str(button.get("callback_data", "")):
                run.emulator.press_button(chat, message.message_id, button["callback_data"])
                return
    raise RuntimeError(f"no button {part!r} in chat {chat}")


async def contact(run: Run, chat: int) -> list[float]:
    """One contact's way through the intake; the reaction time of each step."""
    watcher: Watcher = run.watcher
    reactions = []
    for step in STEPS:
        acted = time.monotonic()
        if step.press:
            _press(run, chat, step.value)
        else:
            run.emulator.send_text(chat, step.value)

        def complete(expected: Expectation = step.done, acted: float = acted) -> bool:
            """Whether the bot's newest message shows the whole answer (after the action)."""
            newest = bot_messages(run.emulator, chat)
            latest = watcher.writes[chat][-1] if watcher.writes[chat] else None
            return bool(newest) and latest is not None and latest.time >= acted and expected(newest[-1])

        await watcher.wait(chat, complete, TIMEOUT, f"the answer to {step.value!r}")
        reactions.append(watcher.writes[chat][-1].time - acted)
    return reactions


async def run(options: Options, report: Report) -> None:
    """One contact alone, then all at once; add the row."""
    contacts = options.size(30, 10)
    async with fresh_database(options, "intake") as url, real_bot(options, "intake", url) as bot:
        await warm_up(bot, ["/start"])
        bot.emulator.set_delay(options.rtt)
        alone = await contact(bot, bot.emulator.add_user("Solo", "de").id)
        chats = [bot.emulator.add_user(f"K{n}", "de").id for n in range(contacts)]
        results = await asyncio.gather(*(contact(bot, chat) for chat in chats), return_exceptions=True)
    finished = [r for r in results if not isinstance(r, BaseException)]
    stuck = len(results) - len(finished)
    per_contact = sorted(percentile(r, 0.95) for r in finished) + [math.inf] * stuck
    everything = [value for r in finished for value in r]
    report.add(
        f"6 intake: {contacts} contacts at once, {len(STEPS)} steps each",
        f"worst contact's p95 {ms(per_contact[-1])}, median contact's p95 "
        f"{ms(per_contact[len(per_contact) // 2])}; all steps p50 {ms(percentile(everything, 0.5))}"
        + (f"; {stuck} contacts stuck" if stuck else ""),
        f"one contact alone: p50 {ms(percentile(alone, 0.5))} · p95 {ms(percentile(alone, 0.95))}",
        "each contact's p95 <= 1 s",
        per_contact[-1] <= TARGET,
    )
