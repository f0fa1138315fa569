"""Scenario 5, opt-in wave: 1,000 new people at once each send /start, ask for the news (/start
shows no news button, so /neuigkeiten) and press "📰 Receive programme news".

Each person acts as soon as the bot's previous answer is there; a time budget bounds the suite
(people still waiting when it runs out count as stuck). Targets: every answer within 10 s
of the person's action, and none overtaken by later work of its lane: no answer arrives after the
answer to an action made a second or more later (the grace covers updates handled side by side).
"""

from __future__ import annotations

import asyncio
import bisect
import math
import time

from benchmarks.common import Options, Report, fresh_database, percentile, secs
from benchmarks.people import Watcher, add_people, bot_messages
from benchmarks.runs import real_bot, warm_up
from bot.config import Settings
from bot.runtime.send_pacing import REPLY_BURST_SECONDS
from bot.sandbox.emulator import Emulator
from handlers.callback_data import NEWS, data

REPLY_RATE = float(Settings.model_fields["reply_rate_per_second"].default)
BURST = REPLY_RATE * REPLY_BURST_SECONDS  # the replies the ceiling lets go at once
TARGET_SECONDS = 10.0
GRACE = 1.0
SUBSCRIBE = data(NEWS, "on")

Answer = tuple[float, float]  # (the person's action, the answer's arrival), monotonic


async def _person(
    emulator: Emulator, watcher: Watcher, chat: int, answers: list[Answer], deadline: float
) -> None:
    """/start, /neuigkeiten, then the subscribe button, each after the previous answer arrived."""
    for step, line in enumerate(("/start", "/neuigkeiten"), start=1):
        acted = time.monotonic()
        emulator.send_text(chat, line)
        answers.append((acted, (await watcher.wait_writes(chat, step, deadline - acted)).time))
    screen = next(
        m
        for m in reversed(bot_messages(emulator, chat))
        if any(b.get("callback_data") == SUBSCRIBE for b in m.buttons())
    )
    acted = time.monotonic()
    emulator.press_button(chat, screen.message_id, SUBSCRIBE)
    answers.append((acted, (await watcher.wait_writes(chat, 3, deadline - acted)).time))


def overtaken(answers: list[Answer], grace: float = GRACE) -> int:
    """How many answers arrived after the answer to an action made ``grace`` seconds or more later."""
    ordered = sorted(answers)
    earliest_after: list[float] = [math.inf] * (len(ordered) + 1)
    for index in range(len(ordered) - 1, -1, -1):
        earliest_after[index] = min(earliest_after[index + 1], ordered[index][1])
    acts = [acted for acted, _ in ordered]
    return sum(
        1 for acted, arrived in ordered if earliest_after[bisect.bisect_left(acts, acted + grace)] < arrived
    )


async def run(options: Options, report: Report) -> None:
    """Run the wave and add its row."""
    people_count, budget = options.size(1000, 100), options.seconds(180, 60)
    answers: list[Answer] = []
    async with fresh_database(options, "opt-in") as url, real_bot(options, "opt-in", url) as bot:
        await warm_up(bot, ["/start", "/neuigkeiten"])
        bot.emulator.set_delay(options.rtt)
        people = add_people(bot.emulator, people_count, "N")
        started = time.monotonic()
        deadline = started + budget
        results = await asyncio.gather(
            *(_person(bot.emulator, bot.watcher, chat, answers, deadline) for chat in people),
            return_exceptions=True,
        )
        took = time.monotonic() - started
    failed = sum(1 for r in results if isinstance(r, BaseException))
    waits = [arrived - acted for acted, arrived in answers]
    slowest = max(waits) if waits and not failed else math.inf
    late = overtaken(answers)
    report.add(
        f"5 opt-in: {people_count} new people at once",
        f"slowest answer {secs(slowest)} (p50 {secs(percentile(waits, 0.5))}, "
        f"p95 {secs(percentile(waits, 0.95))}); all done after {secs(took)}; "
        f"{late} overtaken" + (f"; {failed} people unfinished after {budget:.0f} s" if failed else ""),
        f"reply ceiling floor: ({3 * people_count} answers - {BURST:.0f} at once) / {REPLY_RATE:.0f} per s = "
        f"{secs((3 * people_count - BURST) / REPLY_RATE)}",
        f"every answer <= {TARGET_SECONDS:.0f} s, none overtaken",
        slowest <= TARGET_SECONDS and late == 0,
    )
