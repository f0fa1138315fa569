"""A local Telegram for the bot: Bot API emulator, multi-user chat page, fault injection.

Public API (details in the modules):

* :class:`~bot.sandbox.server.SandboxServer` – ``SandboxServer(host="127.0.0.1", port=0,
  on_make_coordinator=None, initial_users=None, hooks=None)``; ``await start()`` / ``await stop()``;
  ``port``, ``bot_api_base_url`` (``http://127.0.0.1:PORT/bot``, PTB's ``base_url``),
  ``base_file_url``, ``page_url``, ``emulator``.
* :class:`~bot.sandbox.emulator.Emulator` – state, users' actions, calls, faults, ``wait_for``.
* :class:`~bot.sandbox.hooks.SandboxHooks` – what the page may ask of the bot behind it (make a
  coordinator, move the clock, reset); ``python -m bot sandbox`` fills them in.
* :class:`~bot.sandbox.thread.SandboxThread` – the server on a background loop for sync code.

``python -m bot.sandbox.server --port 8081`` runs it standalone.
"""

from __future__ import annotations

import importlib
from typing import Any

# Imported lazily so that ``python -m bot.sandbox.server`` does not import the server module
# twice (runpy warns when a package's __init__ already imported the module it runs).
_EXPORTS = {
    "ApiError": "bot.sandbox.api_calls",
    "CallRecord": "bot.sandbox.models",
    "ChatMessage": "bot.sandbox.models",
    "Emulator": "bot.sandbox.emulator",
    "SandboxHooks": "bot.sandbox.hooks",
    "SandboxServer": "bot.sandbox.server",
    "SandboxThread": "bot.sandbox.thread",
    "SandboxUser": "bot.sandbox.models",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Resolve the public names on first use."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'bot.sandbox' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
