"""Logging, configured in one place: a level from the settings and no secret in any record."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

_TOKEN_PATTERN = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
_REDACTED = "[REDACTED]"


class SecretRedactingFilter(logging.Filter):
    """Replaces bot tokens and configured secrets in the final log message.

    Attached to every handler (not only to loggers) so records from any library are covered.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        """Return ``text`` with every token-shaped string and every known secret replaced."""
        for secret in self._secrets:
            text = text.replace(secret, _REDACTED)
        return _TOKEN_PATTERN.sub(_REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the record's message once, redacted, so handlers only see the safe text."""
        message = self.redact(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def configure_logging(level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    """Set up the root logger once: stderr, the given level, secrets redacted everywhere."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretRedactingFilter(secrets))
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the token is part of the URL.
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
