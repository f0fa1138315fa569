"""A polling process imports only what it runs with: libraries needed by a few paths wait for them."""

from __future__ import annotations

import subprocess
import sys


def test_a_polling_process_loads_no_server_migration_or_calendar_library() -> None:
    """What a polling process imports to run leaves out the HTTP server (health routes and the
    webhook load it), Alembic (only when the schema is behind) and icalendar (the first calendar file)."""
    code = (
        "import sys, bot.cli, bot.wiring, bot.runtime.polling; "
        "print(sorted(m for m in ('aiohttp', 'alembic', 'icalendar') if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
