"""Logging, configured in one place: a level from the settings and no secret in any record."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
from collections.abc import Iterable
from typing import Any

from sqlalchemy.exc import DBAPIError, StatementError
from telegram import TelegramObject, Update

_TOKEN_PATTERN = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
_REDACTED = "[REDACTED]"


class SecretRedactingFilter(logging.Filter):
    """Replaces bot tokens and configured secrets in the final log message.

    Attached to every handler (not only to loggers) so records from any library are covered.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        """Remember the secrets to blank out of every record."""
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


# PTB's loggers that put whole updates, call parameters or API results into records (at DEBUG
# "Processing update …", "Calling Bot API endpoint … with parameters …"; at CRITICAL "Error while
# parsing updates! Received data was …", "Error while building CallbackContext for update …").
LIBRARY_LOGGERS = (
    "telegram.Bot",
    "telegram.ext.ExtBot",
    "telegram.ext.Application",
    "telegram.ext.Updater",
    "telegram.ext.BaseHandler",
    "telegram.ext.ConversationHandler",
    "telegram.request.BaseRequest",
)
_MESSAGE_LIMIT = 300
_LONG_STRING = 64


def _summary(value: Any) -> Any:
    """A stand-in for a log argument that may carry personal data: only ids and sizes remain."""
    if isinstance(value, Update):
        return f"<update {value.update_id}>"
    if isinstance(value, TelegramObject):
        return f"<{type(value).__name__}>"
    if isinstance(value, dict):
        if isinstance(value.get("update_id"), int):
            return f"<update {value['update_id']}>"
        return f"<{len(value)} fields>"
    if isinstance(value, list | tuple):
        return f"<{len(value)} items>"
    if isinstance(value, BaseException):
        return type(value).__name__
    if isinstance(value, str | bytes) and len(value) > _LONG_STRING:
        return f"<{len(value)} characters>"  # a response body or a text, not a method's name
    return value


class RawDataFilter(logging.Filter):
    """Replaces updates, parameter dicts, API results and exceptions in a library record's args.

    Attached to the library's loggers themselves, so every handler (and pytest's caplog) gets
    the cleaned record; an exception's text is withheld too (PTB's messages quote the data).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record, with its arguments and exception reduced to what is safe."""
        if isinstance(record.args, dict):
            record.args = {key: _summary(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_summary(value) for value in record.args)
        if record.exc_info and record.exc_info[1] is not None:
            # Rendered here, so a "%" in the traceback's source lines is never taken for a placeholder.
            record.msg = f"{record.getMessage()}\n{safe_traceback(record.exc_info[1])}"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


class DropDebugFilter(logging.Filter):
    """Drops a library's DEBUG records (aiosqlite's name every call with its bound parameters)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep INFO and above only."""
        return record.levelno > logging.DEBUG


def quiet_library_logs() -> None:
    """Attach the filters to the libraries' loggers once (idempotent).

    A logger's own filters apply only to records made on it, not to its children's, so every
    PTB logger is covered by name: the known ones and whatever else ``telegram.*`` has created.
    """
    names = set(LIBRARY_LOGGERS) | {
        name for name in logging.Logger.manager.loggerDict if name.startswith("telegram.")
    }
    for name, kind in [(n, RawDataFilter) for n in sorted(names)] + [("aiosqlite", DropDebugFilter)]:
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())


def describe_error(error: BaseException) -> str:
    """An exception's type and, where it is ours to vouch for, its message; never user data.

    Database errors give the driver's first line (the constraint or lock, not the "DETAIL: Key
    (…)=(…)" line that quotes values; parameters are hidden by the engine). Other exceptions
    give only their type: a ValueError from ``int(text)`` would quote what the person typed.
    """
    name = type(error).__name__
    if isinstance(error, DBAPIError | StatementError) and error.orig is not None:
        first = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else ""
        first = first.split("DETAIL:")[0].strip()
        return f"{name}: {first[:_MESSAGE_LIMIT]}" if first else name
    return name


def stored_error(error: BaseException) -> str:
    """What a failed inbox row records: the message too, except a database error's detail line.

    The row keeps the raw update anyway (for diagnosis, until pruned), so a message quoting it
    adds nothing; a database error's "DETAIL: Key (…)=(…)" could quote another person's row.
    """
    if isinstance(error, DBAPIError | StatementError) and error.orig is not None:
        return describe_error(error)
    return repr(error)


def safe_traceback(error: BaseException) -> str:
    """The traceback of ``error`` and its causes: frames only, each exception by :func:`describe_error`."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < 5:
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    parts: list[str] = []
    for exc in reversed(chain):
        frames = "".join(traceback.format_tb(exc.__traceback__)) if exc.__traceback__ else ""
        parts.append(f"Traceback (most recent call last):\n{frames}{describe_error(exc)}")
    return "\n\nwhich caused:\n".join(parts)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and, if any, the traceback.

    It formats what the handler's filters left: the message and traceback are already redacted.
    """

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single-line JSON object."""
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


JsonFormatter.converter = time.gmtime  # type: ignore[assignment]


def configure_logging(level: str = "INFO", secrets: Iterable[str] = (), fmt: str = "text") -> None:
    """Set up the root logger once: stderr, the given level and format, secrets redacted everywhere."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(SecretRedactingFilter(secrets))
    root.addHandler(handler)
    root.setLevel(level)
    quiet_library_logs()
    # httpx logs every request URL at INFO, and the token is part of the URL.
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


# Installed on import as well: the runtime imports this module, tests and embedders that never call
# configure_logging get quiet library records too.
quiet_library_logs()
