"""A batch's replies start before the next long poll: the person waits for those."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.runtime.polling import PollingStatus, poll_forever


class OnePoll:
    """getUpdates that returns one update, then waits as a long poll with nothing new does."""

    def __init__(self, events: list[str]) -> None:
        self.events = events
        self.calls = 0

    async def do_api_request(self, endpoint: str, *args: Any, **kwargs: Any) -> Any:
        """Record the call as it starts; the first returns an update, the later ones wait."""
        assert endpoint == "getUpdates"
        self.events.append("poll")
        self.calls += 1
        if self.calls == 1:
            return [{"update_id": 1, "message": {"text": "Hallo"}}]
        await asyncio.Event().wait()


async def test_the_reply_a_batch_handed_on_starts_before_the_next_poll() -> None:
    events: list[str] = []
    replies: set[asyncio.Task[None]] = set()

    async def reply() -> None:
        events.append("reply")  # the sending task's first step: the HTTP call begins here

    async def accept(updates: list[dict[str, Any]]) -> None:
        # As the runtime does: the commit hands the reply to the sender, which starts a task.
        task = asyncio.create_task(reply())
        replies.add(task)

    polling = asyncio.create_task(poll_forever(OnePoll(events), accept, status=PollingStatus()))  # type: ignore[arg-type]
    for _ in range(20):
        await asyncio.sleep(0)
    polling.cancel()
    await asyncio.gather(polling, *replies, return_exceptions=True)
    assert events == ["poll", "reply", "poll"]
