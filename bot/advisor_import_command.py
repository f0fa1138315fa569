"""``python -m bot import-advisors FILE.csv``: a prefilled profile and a one-time invitation per row.

The links are printed for the coordinators to send out. The CLI does not ask Telegram for the
bot's name, so ``t.me`` links need ``BOT_USERNAME``; without it the ``/start`` payload is printed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from bot import migrate
from bot.config import Settings
from bot.db import Database
from bot.i18n import format_datetime
from bot.services import advisor_import, invitations
from models import utcnow


def import_advisors(
    settings: Settings, path: Path, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Import ``path``; print one line per invitation (or every problem, importing nothing). Exit code."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"Cannot read {path}: {exc.strerror}", file=err)
        return 2
    return asyncio.run(_import(settings, data, path, out, err))


async def _import(settings: Settings, data: bytes, path: Path, out: TextIO, err: TextIO) -> int:
    """Import the CSV into the database and print what was created or what is wrong."""
    await migrate.upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            result = await advisor_import.import_csv(session, data, None, utcnow())
    finally:
        await db.dispose()
    if result.errors:
        print(f"Nothing was imported; {len(result.errors)} problem(s) in {path}:", file=err)
        for error in result.errors:
            print(f"  {error}", file=err)
        return 1
    username = (settings.bot_username or "").strip().lstrip("@")
    print(f"{len(result.invitations)} advisor(s) imported. Send each person their link:", file=out)
    for item in result.invitations:
        until = format_datetime(item.expires_at, "en", settings.tz, "yyyy-MM-dd HH:mm")
        link = (
            invitations.deep_link(username, item.token)
            if username
            else f"/start {invitations.START_PREFIX}{item.token}"
        )
        print(f"{item.name}\t{link}\t(valid until {until})", file=out)
    if not username:
        print("Set BOT_USERNAME (the bot's @name) to print t.me links instead of /start payloads.", file=out)
    return 0
