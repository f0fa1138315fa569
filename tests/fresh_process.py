"""A question answered in a new Python process, to see what answering loaded into it."""

from __future__ import annotations

import subprocess
import sys


def after_an_answer(question: str, language: str, report: str) -> str:
    """What the Python expression ``report`` gives in a fresh process once the shipped knowledge
    base (from the cache folder) answered ``question``."""
    code = (
        "import sys; from bot.services.knowledge import knowledge_base; "
        f"knowledge_base().answer({question!r}, {language!r}); print({report})"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return found.stdout.strip()
