"""What every scenario shares: the options, a table row, percentiles and a fresh database per run."""

from __future__ import annotations

import math
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot import migrate
from bot.config import Settings
from bot.db import Database

ROOT = Path(__file__).resolve().parent.parent
# The bot's own default overall send budget (SEND_RATE_PER_SECOND): the benchmarks run with it.
SEND_RATE = float(Settings.model_fields["send_rate_per_second"].default)
# The production interval of the deadline sweeps (the test helpers shorten it to one second,
# which makes a transaction burst every second that a benchmark would measure as latency).
SWEEP_INTERVAL = str(Settings.model_fields["sweep_interval_seconds"].default)


@dataclass(frozen=True)
class Options:
    """How the suite runs: the simulated Bot API round trip, the database and the sizes."""

    rtt: float
    database_url: str | None
    quick: bool
    folder: Path
    stages: bool = False

    def size(self, full: int, quick: int) -> int:
        """``full`` for a full run, ``quick`` with --quick."""
        return quick if self.quick else full

    def seconds(self, full: float, quick: float) -> float:
        """A duration: ``full`` for a full run, ``quick`` with --quick."""
        return quick if self.quick else full

    @property
    def database_name(self) -> str:
        """The database's name ("SQLite" or "PostgreSQL") for the table's heading."""
        return "PostgreSQL" if self.database_url and self.database_url.startswith("postgres") else "SQLite"


@dataclass(frozen=True)
class Row:
    """One line of the table: what was measured, against what, the target and whether it was met.

    ``met`` is None when the scenario could not measure (``figures`` says why).
    """

    scenario: str
    figures: str
    reference: str
    target: str
    met: bool | None


@dataclass
class Report:
    """What the scenarios found: the table's rows and notes printed below it."""

    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)  # one-minute load average as each scenario began

    def add(self, scenario: str, figures: str, reference: str, target: str, met: bool | None) -> None:
        """Add a row."""
        self.rows.append(Row(scenario, figures, reference, target, met))


def failed_row(scenario: str, error: BaseException) -> Row:
    """The row of a scenario that broke off: its error in place of figures."""
    return Row(scenario, f"error: {type(error).__name__}: {error}"[:200], "–", "–", None)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0 < q <= 1) by the nearest-rank method; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    """Seconds written as whole milliseconds ("–" for NaN, "never" for a missing answer)."""
    if math.isinf(seconds):
        return "never"
    return "–" if math.isnan(seconds) else f"{seconds * 1000:.0f} ms"


def secs(seconds: float) -> str:
    """Seconds with two decimals ("–" for NaN, "never" for a missing answer)."""
    if math.isinf(seconds):
        return "never"
    return "–" if math.isnan(seconds) else f"{seconds:.2f} s"


def _pg_admin(url: str) -> str:
    """The asyncpg connection string of a PostgreSQL URL (without SQLAlchemy's driver name)."""
    return "postgresql://" + url.split("://", 1)[1]


async def _pg_execute(url: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE and DROP DATABASE need that)."""
    import asyncpg

    connection = await asyncpg.connect(_pg_admin(url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@asynccontextmanager
async def fresh_database(options: Options, name: str, migrated: bool = True) -> AsyncIterator[str]:
    """The URL of an empty database for one run (migrated unless told otherwise).

    SQLite: a new file in the run's folder. PostgreSQL: a new database on the server of
    ``--database-url``, dropped afterwards, so the given database and other users of the
    server are never touched.
    """
    if options.database_url is None or options.database_url.startswith("sqlite"):
        url = f"sqlite+aiosqlite:///{options.folder / f'{name}-{secrets.token_hex(3)}.db'}"
        if migrated:
            await migrate.upgrade(url)
        yield url
        return
    admin = options.database_url
    if admin.startswith(("postgresql://", "postgres://")):
        admin = "postgresql+asyncpg://" + admin.split("://", 1)[1]
    database = f"miglobe_bench_{name.replace('-', '_')}_{secrets.token_hex(3)}"
    await _pg_execute(admin, f'CREATE DATABASE "{database}"')
    url = f"{admin.rpartition('/')[0]}/{database}"
    try:
        if migrated:
            await migrate.upgrade(url)
        yield url
    finally:
        await _pg_execute(admin, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@asynccontextmanager
async def connected(url: str) -> AsyncIterator[Database]:
    """The benchmark's own connection to a run's database (for seeding and reading back)."""
    db = Database(url)
    try:
        yield db
    finally:
        await db.dispose()
