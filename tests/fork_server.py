"""Bot processes forked from a parent that imported the bot once, for the end-to-end tests.

Importing the bot (PTB, SQLAlchemy, scikit-learn, the knowledge base's libraries) costs seconds of
CPU, most of a start, and the suite starts the bot dozens of times. So one parent per test worker
imports it once and forks a child for each start; the child takes the test's environment and
runs exactly what ``python -m bot <command>`` runs (no event loop, thread or connection exists
in the parent before the fork). The parent reaps its children and reports each exit.

The parent lives as long as the test worker and is driven through pipes from a thread, so
every test's own event loop can use it.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PARENT = r"""
import json, os, select, sys, traceback
import bot.cli, bot.wiring, bot.runtime.polling, bot.runtime.webhook, bot.sandbox.server

def child(order, pidfds):
    for fd in pidfds:
        os.close(fd)
    log = os.open(order["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(log, 1), os.dup2(log, 2), os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.environ.clear()
    os.environ.update(order["env"])
    code = 1
    try:
        sys.argv = ["bot", *order["argv"]]
        code = bot.cli.main(order["argv"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush(), sys.stderr.flush()
        os._exit(code or 0)

def say(**what):
    sys.stdout.write(json.dumps(what) + "\n")
    sys.stdout.flush()

children, pending = {}, b""
poller = select.poll()
poller.register(0, select.POLLIN)
while True:
    for fd, _event in poller.poll():
        if fd == 0:
            data = os.read(0, 1 << 16)
            if not data:
                raise SystemExit(0)
            pending += data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                order = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    child(order, list(children))
                pidfd = os.pidfd_open(pid)
                children[pidfd] = pid
                poller.register(pidfd, select.POLLIN)
                say(started=pid)
        else:
            pid = children.pop(fd)
            poller.unregister(fd)
            os.close(fd)
            say(exited=pid, code=os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"""


class ForkedProcess:
    """A bot process forked by the parent: what the tests need of ``asyncio.subprocess.Process``."""

    def __init__(self, pid: int) -> None:
        """The child ``pid``; its exit is reported by the parent."""
        self.pid = pid
        self.returncode: int | None = None
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[int]]] = []

    def exited(self, code: int) -> None:
        """The parent reaped the child (called from the reader thread): wake whoever waits."""
        with self._lock:
            self.returncode = code
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(lambda f=future: f.done() or f.set_result(code))

    def send_signal(self, signal_number: int) -> None:
        """Send ``signal_number`` to the child (nothing if it has exited)."""
        if self.returncode is None:
            try:
                os.kill(self.pid, signal_number)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        """SIGKILL."""
        self.send_signal(signal.SIGKILL)

    async def wait(self) -> int:
        """Wait until the child has exited; its exit code (negative: the signal that ended it)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self.returncode is not None:
                return self.returncode
            future: asyncio.Future[int] = loop.create_future()
            self._waiters.append((loop, future))
        return await future


class ForkServer:
    """The parent process and the thread that reads its reports."""

    def __init__(self) -> None:
        """Start the parent (it imports the bot) and the reader."""
        env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
        self._parent = subprocess.Popen(
            [sys.executable, "-c", PARENT], cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self._lock = threading.Lock()
        self._spawning = threading.Lock()  # one start at a time: its answer is the next "started"
        self._started: list[int] = []
        self._started_ready = threading.Condition(self._lock)
        self._processes: dict[int, ForkedProcess] = {}
        self._early: dict[int, int] = {}  # exits reported before the start was picked up
        threading.Thread(target=self._read, name="fork-server-reader", daemon=True).start()

    def _read(self) -> None:
        """Hand the parent's reports to the starts and processes waiting for them."""
        assert self._parent.stdout is not None
        for line in self._parent.stdout:
            report = json.loads(line)
            with self._lock:
                if "started" in report:
                    self._started.append(report["started"])
                    self._started_ready.notify_all()
                    continue
                process = self._processes.pop(report["exited"], None)
                if process is None:
                    self._early[report["exited"]] = report["code"]
                else:
                    process.exited(report["code"])
        with self._lock:  # the parent died: nobody reports exits any more
            self._started_ready.notify_all()

    def _spawn(self, argv: list[str], env: dict[str, str], log_path: Path) -> ForkedProcess:
        """Fork a child (blocking; run in a thread)."""
        assert self._parent.stdin is not None
        order = {"argv": argv, "env": env, "log": str(log_path)}
        with self._spawning, self._lock:
            self._parent.stdin.write(json.dumps(order).encode() + b"\n")
            self._parent.stdin.flush()
            if not self._started_ready.wait_for(lambda: self._started or self._parent.poll() is not None, 60):
                raise TimeoutError("the fork server did not answer")
            if not self._started:
                raise RuntimeError(f"the fork server died with code {self._parent.returncode}")
            process = ForkedProcess(self._started.pop(0))
            if process.pid in self._early:
                process.exited(self._early.pop(process.pid))
            else:
                self._processes[process.pid] = process
        return process

    async def spawn(self, argv: list[str], env: dict[str, str], log_path: Path) -> ForkedProcess:
        """A bot process running ``python -m bot *argv`` with ``env``, logging to ``log_path``."""
        return await asyncio.to_thread(self._spawn, argv, env, log_path)

    def close(self) -> None:
        """Stop the parent (its running children are the tests' to stop)."""
        if self._parent.stdin is not None:
            self._parent.stdin.close()
        try:
            self._parent.wait(10)
        except subprocess.TimeoutExpired:
            self._parent.kill()


_server: ForkServer | None = None


def fork_server() -> ForkServer:
    """This test worker's fork server, started on first use."""
    global _server
    if _server is None:
        _server = ForkServer()
        atexit.register(_server.close)
    return _server
