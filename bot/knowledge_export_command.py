"""``python -m bot export-knowledge [--output FILE]``: the team's live chat-made answers as YAML.

The file is for the maintainers: reviewed, it moves into ``bot/knowledge/entries/`` (what to check
is written at its top and beside each copied part). Without ``--output`` the YAML goes to standard
output and the count to standard error, so that the output can be piped.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import TextIO

from bot import migrate
from bot.config import Settings
from bot.db import Database
from bot.services import knowledge_export
from models import utcnow


def export_knowledge(
    settings: Settings, output: Path | None, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Write the export to ``output`` (or ``out``); say how many entries it holds. Exit code."""
    text, count = asyncio.run(_export(settings))
    if output is None:
        out.write(text)
        print(f"{count} live entries exported.", file=err)
        return 0
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        # Through a temporary file: a reader never sees half an export.
        temporary = output.with_name(output.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, output)
    except OSError as exc:
        print(f"Cannot write {output}: {exc.strerror}", file=err)
        return 2
    print(f"{count} live entries written to {output}.", file=out)
    return 0


async def _export(settings: Settings) -> tuple[str, int]:
    """Read the entries (after bringing the database to the current schema)."""
    await migrate.upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            today = utcnow().astimezone(settings.tz).date()
            return await knowledge_export.export(session, today)
    finally:
        await db.dispose()
