"""Run the sandbox from synchronous code: its own event loop in a background thread.

End-to-end tests start the real bot as a subprocess and drive users synchronously::

    with SandboxThread() as sandbox:
        start_bot(base_url=sandbox.bot_api_base_url)
        user = sandbox.emulator.add_user("Anna", "de")
        sandbox.emulator.send_text(user.id, "/start")
        reply = sandbox.emulator.wait_for_message(user.id, timeout=10)

``sandbox.emulator`` is a proxy: every method call (and attribute read) runs on the sandbox's
loop and blocks until it is done; coroutine methods such as ``wait_for`` are awaited there, so
their predicates run on that loop too.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from bot.sandbox.emulator import Emulator
from bot.sandbox.server import SandboxServer

T = TypeVar("T")


class SyncEmulator:
    """Blocking proxy of an :class:`Emulator` living on another thread's loop."""

    def __init__(self, emulator: Emulator, thread: SandboxThread) -> None:
        """Wrap ``emulator`` running on ``thread``'s loop."""
        self._emulator = emulator
        self._thread = thread

    def __getattr__(self, name: str) -> Any:
        """The emulator's attribute, read or called on its own loop."""
        target = getattr(type(self._emulator), name, None)
        if not callable(target):  # data attribute or property: read it on the loop
            return self._thread.call(lambda: getattr(self._emulator, name))

        def method(*args: Any, **kwargs: Any) -> Any:
            """Call the emulator's method on its loop and wait for the result."""
            return self._thread.call(lambda: getattr(self._emulator, name)(*args, **kwargs))

        return method


class SandboxThread:
    """A :class:`SandboxServer` served by its own loop in a daemon thread."""

    def __init__(self, **server_kwargs: Any) -> None:
        """``server_kwargs`` go to :class:`SandboxServer` (host, port, initial_users, hooks)."""
        self._kwargs = server_kwargs
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.server: SandboxServer | None = None

    def start(self) -> SandboxThread:
        """Start the thread and wait until the server listens."""
        self._thread = threading.Thread(target=self._run, name="sandbox", daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error or self.server is None:
            raise RuntimeError("the sandbox did not start") from self._error
        return self

    def _run(self) -> None:
        """The thread's body: start the server on a new loop and run it until stopped."""
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            self.server = SandboxServer(**self._kwargs)
            loop.run_until_complete(self.server.start())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self.server.stop())
            # Whatever else runs here (e.g. a fake bot from submit()) ends with the loop.
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def stop(self) -> None:
        """Stop the server and the thread."""
        if self._loop and self._thread and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)

    def __enter__(self) -> SandboxThread:
        """Start the sandbox for a ``with`` block."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop the sandbox at the end of a ``with`` block."""
        self.stop()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule a coroutine on the sandbox's loop (e.g. a fake bot); returns its future."""
        assert self._loop is not None, "start() first"
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def call(self, fn: Callable[[], Any], timeout: float | None = None) -> Any:
        """Run ``fn()`` on the sandbox's loop (awaiting it if it returns an awaitable).

        No timeout by default: ``wait_for`` and friends bring their own.
        """

        async def run() -> Any:
            """Run ``fn`` on the loop, awaiting it if it is a coroutine."""
            result = fn()
            return await result if inspect.isawaitable(result) else result

        return self.submit(run()).result(timeout)

    @property
    def emulator(self) -> SyncEmulator:
        """The emulator, callable from this thread."""
        assert self.server is not None, "start() first"
        return SyncEmulator(self.server.emulator, self)

    @property
    def bot_api_base_url(self) -> str:
        """PTB's ``base_url`` for this sandbox."""
        assert self.server is not None, "start() first"
        return self.server.bot_api_base_url

    @property
    def page_url(self) -> str:
        """The chat page's URL."""
        assert self.server is not None, "start() first"
        return self.server.page_url

    @property
    def port(self) -> int:
        """The port the server listens on."""
        assert self.server is not None, "start() first"
        return self.server.port
