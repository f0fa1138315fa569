"""People in the emulator: what the bot wrote to each chat (as it arrives) and people who chat.

The :class:`Watcher` reads the emulator's call log once, as it grows, and wakes only the people
whose chat got something, so a thousand people waiting cost nothing per call. Latencies are taken
from the emulator's records afterwards: the user's send (stamped just before the update is handed
to the emulator) to the arrival of the bot's call at the emulator.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.sandbox.emulator import Emulator
from bot.sandbox.models import CallRecord, ChatMessage

# Calls that change what a person sees in their chat.
WRITES = frozenset({"sendmessage", "editmessagetext", "editmessagereplymarkup", "senddocument", "sendphoto"})
# What the people of the dialogue scenarios say, in this order, round and round: commands and
# questions the knowledge base answers, each answered with exactly one message.
DIALOGUE = (
    "/start",
    "Was kostet die Beratung?",
    "/hilfe",
    "Wie lange dauert das Auftaktgespräch?",
    "/datenschutz",
    "Hallo",
    "/neuigkeiten",
    "Wer sind die Berater*innen?",
    "/status",
    "Danke",
)


class Watcher:
    """The bot's successful writes per chat, read from the emulator's call log as it grows."""

    def __init__(self, emulator: Emulator) -> None:
        """A watcher of ``emulator``; call :meth:`start` inside the event loop."""
        self.emulator = emulator
        self.writes: dict[int, list[CallRecord]] = defaultdict(list)
        self._seen = 0
        self._waiters: dict[int, list[asyncio.Future[None]]] = defaultdict(list)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Follow the call log in the background."""
        self._task = asyncio.create_task(self._follow(), name="benchmark-watcher")

    async def stop(self) -> None:
        """Stop following."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _follow(self) -> None:
        """Scan new calls after every change of the emulator."""
        version = 0
        while True:
            version = await self.emulator.wait_change(version, 1.0)
            self.scan()

    def scan(self) -> None:
        """Take in the calls logged since the last scan and wake whoever waits for their chat."""
        calls = self.emulator.calls
        touched: set[int] = set()
        while self._seen < len(calls):
            call = calls[self._seen]
            self._seen += 1
            if call.ok and call.method.lower() in WRITES and "chat_id" in call.params:
                chat = int(call.params["chat_id"])
                self.writes[chat].append(call)
                touched.add(chat)
        for chat in touched:
            for waiter in self._waiters.pop(chat, []):
                if not waiter.done():
                    waiter.set_result(None)

    def sends(self, chat: int) -> list[CallRecord]:
        """The messages (sendMessage) the bot sent to ``chat``, in order of arrival."""
        return [c for c in self.writes[chat] if c.method.lower() == "sendmessage"]

    async def wait(self, chat: int, predicate: Callable[[], object], timeout: float, what: str) -> None:
        """Wait until ``predicate()`` holds, checking it after every write to ``chat``."""
        deadline = time.monotonic() + timeout
        self.scan()
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what} in chat {chat}")
            waiter = asyncio.get_running_loop().create_future()
            self._waiters[chat].append(waiter)
            try:
                await asyncio.wait_for(waiter, left)
            except TimeoutError:
                pass

    async def wait_writes(self, chat: int, count: int, timeout: float) -> CallRecord:
        """Wait for the ``count``-th write to ``chat`` and return it."""
        await self.wait(chat, lambda: len(self.writes[chat]) >= count, timeout, f"write {count}")
        return self.writes[chat][count - 1]


def bot_messages(emulator: Emulator, chat: int) -> list[ChatMessage]:
    """The bot's messages in ``chat`` as they read now."""
    return [m for m in emulator.messages_in(chat) if m.from_bot]


@dataclass
class Chats:
    """What a group of people said and when (monotonic), per chat, in order."""

    said: dict[int, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))

    def say(self, emulator: Emulator, chat: int, text: str) -> None:
        """Stamp the time, then hand the message to the emulator."""
        self.said[chat].append((time.monotonic(), text))
        emulator.send_text(chat, text)

    @property
    def count(self) -> int:
        """How many messages were said in all."""
        return sum(len(lines) for lines in self.said.values())


async def converse(
    emulator: Emulator,
    people: Sequence[int],
    seconds: float,
    think: tuple[float, float] = (1.5, 2.5),
    lines: Sequence[str] = DIALOGUE,
    seed: int = 7,
) -> Chats:
    """Each person says the next of ``lines`` every ``think`` seconds (drawn evenly) for ``seconds``.

    The people do not wait for the answers (an open loop): a slow bot gets the same load as a fast
    one instead of fewer messages. Each starts at a random moment of the first pause.
    """
    chats = Chats()
    end = time.monotonic() + seconds

    async def person(chat: int, rng: random.Random) -> None:
        """One person's messages."""
        await asyncio.sleep(rng.uniform(0, think[1]))
        turn = 0
        while time.monotonic() < end:
            chats.say(emulator, chat, lines[turn % len(lines)])
            turn += 1
            await asyncio.sleep(rng.uniform(*think))

    await asyncio.gather(*(person(chat, random.Random(seed + n)) for n, chat in enumerate(people)))
    return chats


async def latencies(watcher: Watcher, chats: Chats, timeout: float = 60.0) -> tuple[list[float], int]:
    """Each message's reply latency (the n-th message sent to a chat answers its n-th line) and how
    many lines got no answer within ``timeout`` after the last one was said.

    Every line of :data:`DIALOGUE` is answered with exactly one message, so a chat holding more
    messages than lines (a slow-down notice, an apology) would shift the pairing; such extra
    messages are counted as unanswered lines, so they cannot pass unnoticed.
    """
    deadline = time.monotonic() + timeout
    for chat, lines in chats.said.items():
        left = max(0.0, deadline - time.monotonic())
        wanted = len(lines)
        try:
            await watcher.wait(chat, lambda c=chat, n=wanted: len(watcher.sends(c)) >= n, left, "replies")
        except TimeoutError:
            pass
    found: list[float] = []
    missing = 0
    for chat, lines in chats.said.items():
        replies = watcher.sends(chat)
        missing += max(0, len(replies) - len(lines))
        for index, (said_at, _text) in enumerate(lines):
            if index < len(replies):
                found.append(replies[index].time - said_at)
            else:
                missing += 1
    return found, missing


def add_people(emulator: Emulator, count: int, prefix: str, language: str = "de") -> list[int]:
    """``count`` new people (chats) in the emulator."""
    return [emulator.add_user(f"{prefix}{n}", language).id for n in range(count)]
