"""State and Bot API semantics of the sandbox: users, chats, updates, messages, files, commands.

The :class:`Emulator` is driven from two sides: the bot calls :meth:`Emulator.call` (through the
HTTP routes in :mod:`bot.sandbox.server`), and people or tests act as users with
:meth:`Emulator.send_text`, :meth:`Emulator.press_button` and friends. Everything runs on one
asyncio loop; call it only from that loop (``SandboxThread.emulator`` proxies calls onto it).

Fidelity notes: errors use Telegram's exact descriptions and status codes; HTML follows
Telegram's parser (see :mod:`bot.sandbox.formatting`-style rules in :func:`parse_html`);
``editMessageText`` without ``reply_markup`` removes the inline keyboard as Telegram does; the
Message objects returned to the bot carry only an inline ``reply_markup``, like Telegram's.
Markdown parse modes are accepted but not parsed (the bot uses HTML).
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.sandbox.faults import FaultError, Faults
from bot.sandbox.telegram_text import ApiError, format_text, inline_markup, markup_from_param
from bot.sandbox.updates import UserSide

T = TypeVar("T")
