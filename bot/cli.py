"""Command line: ``python -m bot [run|webhook|sandbox|migrate|import-advisors|export-knowledge|start]``."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from telegram.error import InvalidToken, NetworkError

from bot.config import ConfigError, Settings, load_settings
from bot.logging_setup import configure_logging
from bot.services.knowledge_yaml import KnowledgeError

if TYPE_CHECKING:
    from bot.wiring import BotRuntime

log = logging.getLogger("bot")

NO_TOKEN_HELP = (
    "No BOT_TOKEN is set. Create a bot with @BotFather in Telegram (https://t.me/BotFather, "
    "command /newbot), then run BOT_TOKEN=<token> python -m bot run - or try everything "
    "without a token: python -m bot sandbox"
)


def _parser() -> argparse.ArgumentParser:
    """The command line's commands and options."""
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="MiGlobe bot for Telegram (default command: run)."
    )
    sub = parser.add_subparsers(dest="command", metavar="command")
    sub.add_parser("run", help="run the bot with long polling (the default)")
    sub.add_parser("webhook", help="run the bot behind a webhook (needs WEBHOOK_URL, WEBHOOK_SECRET)")
    sandbox = sub.add_parser("sandbox", help="try the bot locally in a browser, no token needed")
    sandbox.add_argument("--port", type=int, default=8081, help="port of the sandbox (default 8081)")
    sandbox.add_argument(
        "--coordinator", action="store_true", help="make the page's coordinator column a coordinator"
    )
    sub.add_parser("migrate", help="bring the database to the current schema and exit")
    importer = sub.add_parser(
        "import-advisors", help="create advisor profiles and invitation links from a CSV file"
    )
    importer.add_argument("file", help="CSV: name, languages, area, home, topics, capacity")
    exporter = sub.add_parser(
        "export-knowledge", help="write the live answers the team made in the chat as a knowledge-base file"
    )
    exporter.add_argument("--output", metavar="FILE", help="the YAML file to write (default: print it)")
    sub.add_parser("start", help="run with BOT_TOKEN if one is set, otherwise the sandbox")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, read the settings and run the chosen command."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    secrets = [s.get_secret_value() for s in (settings.bot_token, settings.webhook_secret) if s]
    configure_logging(settings.log_level, secrets, settings.log_format)
    command = args.command or "run"
    if command == "start":
        command = "run" if settings.token else "sandbox"
        # Trying it out: the sandbox's coordinator column coordinates from the start.
        args = _parser().parse_args(["run"] if settings.token else ["sandbox", "--coordinator"])
    try:
        if command == "migrate":
            return _migrate(settings)
        if command == "import-advisors":
            from pathlib import Path

            from bot.advisor_import_command import import_advisors

            return import_advisors(settings, Path(args.file))
        if command == "export-knowledge":
            from pathlib import Path

            from bot.knowledge_export_command import export_knowledge

            return export_knowledge(settings, Path(args.output) if args.output else None)
        if command == "sandbox":
            from bot.sandbox_command import run_sandbox

            return asyncio.run(run_sandbox(settings, port=args.port, coordinator=args.coordinator))
        if not settings.token:
            print(NO_TOKEN_HELP, file=sys.stderr)
            return 2
        if command == "webhook":
            return _webhook(settings)
        return asyncio.run(serve_polling(settings, settings.token))
    except InvalidToken:
        print("Telegram rejected BOT_TOKEN; check it with @BotFather.", file=sys.stderr)
        return 2
    except KnowledgeError as exc:  # broken content files: the message names each file and line
        print(exc, file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(f"Cannot reach the Telegram Bot API ({exc}); check TELEGRAM_BASE_URL.", file=sys.stderr)
        return 1


def _migrate(settings: Settings) -> int:
    """The ``migrate`` command: bring the database to the current schema and say so."""
    from bot import migrate

    migrate.upgrade_sync(settings.database_url)
    print(f"Database is at the current schema ({migrate.current_revision_sync(settings.database_url)}).")
    return 0


def _webhook(settings: Settings) -> int:
    """The ``webhook`` command: check its settings, then serve until stopped."""
    if not settings.webhook_url:
        print("Invalid setting WEBHOOK_URL: required for webhook mode", file=sys.stderr)
        return 2
    if not settings.webhook_secret:
        print("Invalid setting WEBHOOK_SECRET: required for webhook mode", file=sys.stderr)
        return 2
    return asyncio.run(serve_webhook(settings, settings.token or ""))


def _stop_requested() -> asyncio.Event:
    """An event set by SIGTERM/SIGINT, listening from now on: a stop that comes while the bot is
    still starting (its sender may already be sending) must end it in order too, not kill it
    with a call made and its outcome not yet recorded."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _freeze_what_start_loaded(runtime: BotRuntime) -> None:
    """Load the knowledge base that answers now (with the team's entries, if there are any) and
    keep it, with everything else start-up loaded, out of the garbage collector's full collections.

    The libraries and the knowledge base are about 170,000 objects that live as long as the
    process. A full collection walked them all and held the event loop for 60 to 80 ms, a stall
    that every reply due then had to wait out; frozen, they are no longer walked (a collection of
    what came later takes well under a millisecond). A base rebuilt after the team changes an
    entry is walked again until the next start.
    """
    from bot.services.knowledge_live import knowledge_for

    async with runtime.db.transaction() as session:
        await knowledge_for(session)
    gc.collect()
    gc.freeze()


async def _until_stopped(intake: Callable[[], Awaitable[object]], stop: asyncio.Event) -> None:
    """Run ``intake`` until ``stop`` is set (at once if it already is) or until it fails."""
    task = asyncio.create_task(intake(), name="intake")
    stopper = asyncio.create_task(stop.wait(), name="stop-signal")
    await asyncio.wait([task, stopper], return_when=asyncio.FIRST_COMPLETED)
    for pending in (task, stopper):
        pending.cancel()
    await asyncio.gather(task, stopper, return_exceptions=True)
    if task.done() and not task.cancelled() and task.exception() is not None:
        raise task.exception()  # type: ignore[misc]


async def serve_polling(settings: Settings, token: str) -> int:
    """Run with durable long polling until SIGTERM."""
    from bot.runtime.polling import poll_forever
    from bot.wiring import BotRuntime

    stop = _stop_requested()
    runtime = BotRuntime(settings, token)
    await runtime.start()
    await _freeze_what_start_loaded(runtime)
    health = None
    if settings.health_port:
        from bot.runtime.health_http import start_health_server

        health = await start_health_server(settings.health_port, runtime.operations())
    try:
        if not stop.is_set():
            await runtime.application.bot.delete_webhook(drop_pending_updates=False)
            log.info("polling as @%s", runtime.application.bot.username)
        await _until_stopped(
            lambda: poll_forever(
                runtime.application.bot, runtime.accept, standby_seconds=settings.polling_standby_seconds
            ),
            stop,
        )
    finally:
        if health is not None:
            await health.cleanup()
        await runtime.stop()
    log.info("stopped")
    return 0


async def serve_webhook(settings: Settings, token: str) -> int:
    """Run behind a webhook until SIGTERM."""
    from aiohttp import web
    from telegram import Update

    from bot.runtime.webhook import build_webhook_app, webhook_path
    from bot.wiring import BotRuntime

    assert settings.webhook_url and settings.webhook_secret
    secret = settings.webhook_secret.get_secret_value()
    stop = _stop_requested()
    runtime = BotRuntime(settings, token)
    await runtime.start()
    await _freeze_what_start_loaded(runtime)
    runner = web.AppRunner(
        build_webhook_app(secret, webhook_path(settings.webhook_url), runtime.accept, runtime.operations())
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, "0.0.0.0", settings.port).start()
        if not stop.is_set():
            await runtime.application.bot.set_webhook(
                settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
            )
            log.info("webhook listening on port %d", settings.port)
        await _until_stopped(asyncio.Event().wait, stop)
    finally:
        await runner.cleanup()
        await runtime.stop()
    return 0
