"""The reference: a stock python-telegram-bot bot, as a naive bot would be written.

An ``Application`` with PTB's defaults (updates one at a time, PTB's own polling, no database,
no outbox, no rate limiting), a ``CommandHandler`` for each command and a ``MessageHandler`` for
text, each answering with exactly what the real bot answered to the same line (recorded by
:func:`benchmarks.runs.warm_up`; text, parse mode and buttons). Run as a child process::

    BOT_TOKEN=… TELEGRAM_BASE_URL=http://127.0.0.1:PORT/bot BENCHMARK_ANSWERS=answers.json \\
        python -m benchmarks.stock
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

# What the stock bot says to a line it has no recorded answer for.
UNKNOWN = "Das habe ich leider nicht verstanden."


def build(
    token: str, base_url: str, answers: dict[str, dict[str, Any]]
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The stock application answering ``answers`` (line → sendMessage parameters)."""

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send the recorded answer to the line, as one message."""
        message = update.effective_message
        if message is None or update.effective_chat is None:
            return
        recorded = answers.get(message.text or "", {"text": UNKNOWN})
        markup = recorded.get("reply_markup")
        await context.bot.send_message(
            update.effective_chat.id,
            recorded["text"],
            parse_mode=recorded.get("parse_mode"),
            reply_markup=InlineKeyboardMarkup.de_json(markup, context.bot) if markup else None,
        )

    base = base_url.rstrip("/")
    application = (
        Application.builder()
        .token(token)
        .base_url(base)
        .base_file_url(base.removesuffix("/bot") + "/file/bot")
        .build()
    )
    commands = sorted({line[1:] for line in answers if line.startswith("/")})
    if commands:
        application.add_handler(CommandHandler(commands, answer))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, answer))
    return application


def main() -> None:
    """Run the stock bot until SIGTERM, configured from the environment."""
    logging.basicConfig(level=logging.WARNING)
    answers = json.loads(Path(os.environ["BENCHMARK_ANSWERS"]).read_text())
    build(os.environ["BOT_TOKEN"], os.environ["TELEGRAM_BASE_URL"], answers).run_polling()


if __name__ == "__main__":
    main()
