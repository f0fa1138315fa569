"""The programme's numbers for a period, computed from the stored funnel events.

The period chooses a cohort: the requests submitted in it (by their ``submitted`` event). For each
the events tell how far it got, whenever that happened, so conversion rates compare like with like:

- **offered**: reached ``offered`` or any later funnel status (a request assigned by hand after an
  escalation was offered too, by a coordinator);
- **accepted**: reached ``accepted`` or later; **kickoffs held**: reached ``kickoff_held`` or later;
  **consultations**: reached ``consultation``.

Time to accept runs from submission to the first ``accepted`` event; time to kickoff from
submission to the talk's date (the held booking's start, else the ``kickoff_held`` event).
By Regierungsbezirk counts each request once; by language counts it under every language asked
for, so those rows add up to more than the total.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.geography import regierungsbezirk_key, regierungsbezirk_names
from models import Booking, BookingStatus, KickoffRequest, RequestEvent, RequestStatus

STAGES = ("requests", "offered", "accepted", "kickoffs_held", "consultations")
_REACHED = {
    "offered": {
        RequestStatus.OFFERED,
        RequestStatus.ACCEPTED,
        RequestStatus.SCHEDULED,
        RequestStatus.KICKOFF_HELD,
        RequestStatus.CONSULTATION,
    },
    "accepted": {
        RequestStatus.ACCEPTED,
        RequestStatus.SCHEDULED,
        RequestStatus.KICKOFF_HELD,
        RequestStatus.CONSULTATION,
    },
    "kickoffs_held": {RequestStatus.KICKOFF_HELD, RequestStatus.CONSULTATION},
    "consultations": {RequestStatus.CONSULTATION},
}
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """A half-open time span ``[start, end)`` (aware datetimes)."""

    start: datetime
    end: datetime

    @classmethod
    def from_dates(cls, first: date, last: date, tz: ZoneInfo) -> Period:
        """From the start of ``first`` to the end of ``last`` (both included) in ``tz``."""
        return cls(datetime.combine(first, time(0), tz), datetime.combine(last + _DAY, time(0), tz))

    def contains(self, moment: datetime) -> bool:
        """Whether ``moment`` lies in the period."""
        return self.start <= moment < self.end


@dataclass(frozen=True)
class FunnelCounts:
    """How many requests reached each stage, and the median days to acceptance and to the kickoff."""

    requests: int = 0
    offered: int = 0
    accepted: int = 0
    kickoffs_held: int = 0
    consultations: int = 0
    median_days_to_accept: float | None = None
    median_days_to_kickoff: float | None = None

    def stages(self) -> tuple[int, int, int, int, int]:
        """The counts in funnel order (see :data:`STAGES`)."""
        return (self.requests, self.offered, self.accepted, self.kickoffs_held, self.consultations)

    def conversions(self) -> tuple[float | None, ...]:
        """Each stage as a share of the one before (None where the one before is 0)."""
        counts = self.stages()
        return tuple(_share(counts[i], counts[i - 1]) for i in range(1, len(counts)))

    @property
    def overall(self) -> float | None:
        """Share of requests that became a multi-month consultation."""
        return _share(self.consultations, self.requests)


@dataclass(frozen=True)
class Statistics:
    """The numbers of one period: overall, by Regierungsbezirk (key → counts, names alongside), by
    language (code → counts), and requests per place (AGS → count) for the map."""

    period: Period
    total: FunnelCounts
    by_regierungsbezirk: dict[str, FunnelCounts]
    regierungsbezirk_names: dict[str, str]
    by_language: dict[str, FunnelCounts]
    places: dict[str, int]


def _share(part: int, whole: int) -> float | None:
    """``part`` as a share of ``whole``; None when there is no whole."""
    return part / whole if whole else None


def _median_days(spans: Iterable[timedelta]) -> float | None:
    """The median of the spans in days; None without spans."""
    days = [span / _DAY for span in spans]
    return round(statistics.median(days), 2) if days else None


@dataclass
class _Path:
    """One request's way through the funnel, read from its events."""

    request: KickoffRequest
    submitted_at: datetime
    reached: set[str]
    accepted_at: datetime | None
    kickoff_at: datetime | None


def _counts(paths: list[_Path]) -> FunnelCounts:
    """How many requests reached each stage of the funnel."""

    def reached(stage: str) -> int:
        """How many requests reached ``stage``."""
        return sum(stage in p.reached for p in paths)

    return FunnelCounts(
        requests=len(paths),
        offered=reached("offered"),
        accepted=reached("accepted"),
        kickoffs_held=reached("kickoffs_held"),
        consultations=reached("consultations"),
        median_days_to_accept=_median_days(p.accepted_at - p.submitted_at for p in paths if p.accepted_at),
        median_days_to_kickoff=_median_days(p.kickoff_at - p.submitted_at for p in paths if p.kickoff_at),
    )


async def _paths(session: AsyncSession, period: Period) -> list[_Path]:
    """The path through the funnel of every request submitted in the period."""
    cohort = (
        select(RequestEvent.request_id)
        .where(
            RequestEvent.to_status == RequestStatus.SUBMITTED,
            RequestEvent.from_status.is_(None),
            RequestEvent.created_at >= period.start,
            RequestEvent.created_at < period.end,
        )
        .scalar_subquery()
    )
    requests = {
        r.id: r for r in await session.scalars(select(KickoffRequest).where(KickoffRequest.id.in_(cohort)))
    }
    events = await session.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id.in_(cohort))
        .order_by(RequestEvent.created_at, RequestEvent.id)
    )
    talks = dict(
        (
            await session.execute(
                select(Booking.request_id, Booking.starts_at).where(
                    Booking.request_id.in_(cohort), Booking.status == BookingStatus.HELD
                )
            )
        )
        .tuples()
        .all()
    )
    paths: dict[int, _Path] = {}
    for event in events:
        path = paths.get(event.request_id)
        if path is None:
            if event.to_status != RequestStatus.SUBMITTED or event.request_id not in requests:
                continue
            path = paths[event.request_id] = _Path(
                requests[event.request_id], event.created_at, set(), None, None
            )
        path.reached |= {stage for stage, statuses in _REACHED.items() if event.to_status in statuses}
        if event.to_status == RequestStatus.ACCEPTED and path.accepted_at is None:
            path.accepted_at = event.created_at
        if event.to_status == RequestStatus.KICKOFF_HELD and path.kickoff_at is None:
            path.kickoff_at = talks.get(event.request_id, event.created_at)
    return list(paths.values())


async def compute(session: AsyncSession, period: Period) -> Statistics:
    """The funnel of the requests submitted in ``period``, overall, by Regierungsbezirk and by language."""
    paths = await _paths(session, period)
    by_bezirk: dict[str, list[_Path]] = defaultdict(list)
    by_language: dict[str, list[_Path]] = defaultdict(list)
    places: dict[str, int] = defaultdict(int)
    for path in paths:
        by_bezirk[regierungsbezirk_key(path.request.kreis_ags)].append(path)
        for code in dict.fromkeys(path.request.languages or ()):
            by_language[code].append(path)
        places[path.request.place_ags] += 1
    names = regierungsbezirk_names()
    return Statistics(
        period=period,
        total=_counts(paths),
        by_regierungsbezirk={key: _counts(by_bezirk[key]) for key in sorted(by_bezirk)},
        regierungsbezirk_names={key: names.get(key, key) for key in sorted(by_bezirk)},
        # Most asked-for languages first, then by code, so the message lists what matters on top.
        by_language={
            code: _counts(group)
            for code, group in sorted(by_language.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        },
        places=dict(sorted(places.items())),
    )
