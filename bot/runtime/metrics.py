"""Prometheus metrics of the runtime: what came in, what was handled, how fast, what waits and what was sent.

Counters live in this process; the depths of inbox and outbox are read from the database when
``/metrics`` is scraped, so every process reports the shared queues the same way.
"""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from models import (
    Broadcast,
    BroadcastStatus,
    InboxStatus,
    InboxUpdate,
    OutboxLane,
    OutboxMessage,
    OutboxStatus,
)

UPDATES_RECEIVED = Counter("miglobe_updates_received", "New updates committed to the inbox")
UPDATES_HANDLED = Counter("miglobe_updates_handled", "Updates the dispatcher finished handling")
HANDLING_SECONDS = Histogram(
    "miglobe_update_handling_seconds",
    "Time from taking an update up to finishing it (including retries)",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
SENDS = Counter("miglobe_sends", "Bot API calls of the outbox, by outcome", ["outcome"])
INBOX_DEPTH = Gauge("miglobe_inbox_pending", "Updates received but not yet handled")
OUTBOX_DEPTH = Gauge("miglobe_outbox_pending", "Outbox rows waiting to be sent, by lane", ["lane"])
SEND_OUTCOMES = ("sent", "429", "403", "error")
for _outcome in SEND_OUTCOMES:
    SENDS.labels(_outcome)  # every outcome is shown from the start, at 0
SWEEP_LAG = Gauge(
    "miglobe_sweep_lag_seconds",
    "Seconds since each deadline sweep last ran (here, or in the process holding its lock)",
    ["sweep"],
)
BROADCAST_RECIPIENTS = Gauge(
    "miglobe_broadcast_recipients",
    "Recipients of the broadcasts being sent now: all of them, and how many got it, blocked or failed",
    ["state"],
)
BROADCAST_STATES = ("total", "delivered", "blocked", "failed")

# When each sweep last ran or was found running elsewhere (monotonic seconds).
_sweep_seen_at: dict[str, float] = {}

# When a Bot API call last succeeded (monotonic seconds); None until the first one.
_telegram_ok_at: float | None = None


def record_send(outcome: str) -> None:
    """Count one outbox call by its outcome: sent, 429, 403 or error (anything else counts as error)."""
    SENDS.labels(outcome if outcome in SEND_OUTCOMES else "error").inc()
    if outcome in ("sent", "403"):
        # A 403 is an answer too: Telegram was reached.
        mark_telegram_ok()


def mark_telegram_ok() -> None:
    """Note that a Bot API call just succeeded (readiness asks how long ago that was)."""
    global _telegram_ok_at
    _telegram_ok_at = time.monotonic()


def mark_sweep_ran(name: str) -> None:
    """Note that sweep ``name`` just ran here, or is running in the process that holds its lock."""
    _sweep_seen_at[name] = time.monotonic()


def seconds_since_telegram_ok() -> float | None:
    """Seconds since the last successful Bot API call, or None if there was none yet."""
    return None if _telegram_ok_at is None else time.monotonic() - _telegram_ok_at


async def refresh_depths(db: Database) -> None:
    """Read the pending inbox and outbox counts (per lane) and the running broadcasts' progress from
    the database into the gauges, and work out each sweep's lag."""
    async with AsyncSession(db.reads) as session:
        inbox = await session.scalar(
            select(func.count())
            .select_from(InboxUpdate)
            .where(InboxUpdate.status == InboxStatus.PENDING.value)
        )
        rows = await session.execute(
            select(OutboxMessage.lane, func.count())
            .where(OutboxMessage.status == OutboxStatus.PENDING.value)
            .group_by(OutboxMessage.lane)
        )
        by_lane = {int(lane): int(count) for lane, count in rows}
        progress = (
            await session.execute(
                select(
                    func.coalesce(func.sum(Broadcast.recipients_total), 0),
                    func.coalesce(func.sum(Broadcast.delivered_count), 0),
                    func.coalesce(func.sum(Broadcast.blocked_count), 0),
                    func.coalesce(func.sum(Broadcast.failed_count), 0),
                ).where(Broadcast.status == BroadcastStatus.SENDING.value)
            )
        ).one()
    INBOX_DEPTH.set(int(inbox or 0))
    for lane in OutboxLane:
        OUTBOX_DEPTH.labels(lane.name.lower()).set(by_lane.get(int(lane), 0))
    for state, count in zip(BROADCAST_STATES, progress, strict=True):
        BROADCAST_RECIPIENTS.labels(state).set(int(count))
    now = time.monotonic()
    for name, seen in _sweep_seen_at.items():
        SWEEP_LAG.labels(name).set(now - seen)


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST


def handled_so_far() -> float:
    """How many updates this process has handled since it started."""
    [family] = UPDATES_HANDLED.collect()
    return next(sample.value for sample in family.samples if sample.name.endswith("_total"))
