"""``python -m bot import-advisors FILE.csv``: profiles and invitation links for a whole pool, or nothing."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from bot.advisor_import_command import import_advisors
from bot.config import load_settings
from bot.db import Database
from models import Advisor, AdvisorInvitation

ROOT = Path(__file__).resolve().parent.parent
POOL = (
    "Name;Sprachen;Gebiet;Wohnort;Themen;Kapazität\n"
    "Mehmet Yılmaz;Türkisch, Arabisch;Landkreis Tübingen;Mössingen;Fairtrade;3\n"
    "Leyla Karimi;fa;RB Stuttgart;Stuttgart;;\n"
)


async def _count(url: str, model: type) -> int:
    db = Database(url)
    try:
        async with db.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        await db.dispose()


def test_the_command_imports_a_pool_and_prints_a_link_per_person(database_url: str, tmp_path: Path) -> None:
    pool = tmp_path / "pool.csv"
    pool.write_text(POOL, encoding="utf-8")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BOT_USERNAME": "@miglobe_bot",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "import-advisors", str(pool)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "https://t.me/miglobe_bot?start=inv_" in line]
    assert [line.split("\t")[0] for line in lines] == ["Mehmet Yılmaz", "Leyla Karimi"]
    assert asyncio.run(_count(database_url, Advisor)) == 2
    assert asyncio.run(_count(database_url, AdvisorInvitation)) == 2


def test_a_bad_row_imports_nothing_and_names_every_problem(database_url: str, tmp_path: Path) -> None:
    pool = tmp_path / "pool.csv"
    pool.write_text(POOL + "Omid;Klingonisch;Atlantis;;;99\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    settings = load_settings(database_url=database_url)
    assert import_advisors(settings, pool, out, err) == 1
    problems = err.getvalue()
    assert "line 4, languages" in problems and "line 4, area" in problems and "line 4, capacity" in problems
    assert asyncio.run(_count(database_url, Advisor)) == 0
    assert import_advisors(settings, tmp_path / "missing.csv", out, err) == 2
