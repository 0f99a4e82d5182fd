"""Where the language server's work runs, and which work is dropped: the one place for it.

The event loop only routes messages, reads documents and sends answers; anything that
may take more than a millisecond (the engine, git, the ledger, building diagnostics)
runs in one of two lanes of worker threads and is awaited:

- the latency lane (two threads): what a person is waiting for. Diagnostics of the
  current document version, hover, code actions, code lenses, commands, the ledger
  watcher's look at each ledger.
- the background lane (one thread, so it never takes both cores from the latency
  lane): the slow risk tier (jedi), workspace-wide pulls and scans, the review queue.

The lanes never share a thread, so a whole-file jedi pass never delays a keystroke's
diagnostics. Three rules keep work from piling up:

- `latest`: per document, one computation at a time. Calls while one runs only mark
  the document dirty; a result computed for a version that is no longer current is
  dropped, never delivered, and the computation runs again for the latest version.
- `after_pause`: per document, work that waits until calls stop for a quiet time and
  then runs for the latest version only, once per version. A call while it waits or
  runs moves the quiet time on; it never queues a second run.
- `background(..., wanted=...)`: work handed to the background lane is dropped, not
  run, when by the time a thread takes it the document version it was for is outdated.

Must not know LSP messages, the engine or what the work computes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

log = logging.getLogger("foureyes.lsp")
T = TypeVar("T")
R = TypeVar("R")

LATENCY_THREADS = 2
BACKGROUND_THREADS = 1


class Dropped(Exception):
    """Background work whose document version was outdated before it started."""


class Scheduler:
    """The two lanes, and per-document coalescing. Used from the event loop only."""

    def __init__(self, version_of: Callable[[str], int | None]) -> None:
        # The open document's current version, None once it is closed.
        self._version_of = version_of
        self._latency = ThreadPoolExecutor(LATENCY_THREADS, thread_name_prefix="foureyes")
        self._background = ThreadPoolExecutor(
            BACKGROUND_THREADS, thread_name_prefix="foureyes-slow"
        )
        self._running: dict[str, asyncio.Task[None]] = {}
        self._dirty: set[str] = set()
        self._due: dict[str, float] = {}  # key -> when its paused work may start
        self._pausing: set[str] = set()  # keys whose after_pause task is alive
        self._done_for: dict[str, int] = {}  # key -> the version its paused work ran for
        # Kept until done: the event loop holds only weak references to tasks.
        self._tasks: set[asyncio.Future[Any]] = set()

    async def latency(self, function: Callable[..., T], *args: Any) -> T:
        """Latency lane: work a person is waiting for."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._latency, partial(function, *args))

    async def background(
        self, function: Callable[..., T], *args: Any, wanted: Callable[[], bool] | None = None
    ) -> T:
        """Background lane: the slow risk tier, workspace-wide questions. Raises `Dropped`
        when `wanted` says, as a thread takes the work, that it is no longer wanted."""

        def run() -> T:
            if wanted is not None and not wanted():
                raise Dropped
            return function(*args)

        return await asyncio.get_running_loop().run_in_executor(self._background, run)

    def still_current(self, uri: str, version: int | None) -> Callable[[], bool]:
        """A `wanted` test: the document is open at `version` still. Read from worker
        threads, it only reads the version (a dict lookup, safe while the loop writes)."""
        return lambda: self._version_of(uri) == version

    def latest(
        self,
        uri: str,
        compute: Callable[[str], Awaitable[R]],
        deliver: Callable[[str, int, R], None],
    ) -> None:
        """Compute for `uri`'s current version and deliver it, coalescing bursts: see the
        module's docstring."""
        if uri in self._running:
            self._dirty.add(uri)
            return
        self._running[uri] = asyncio.ensure_future(self._latest(uri, compute, deliver))

    async def _latest(
        self,
        uri: str,
        compute: Callable[[str], Awaitable[R]],
        deliver: Callable[[str, int, R], None],
    ) -> None:
        try:
            while True:
                self._dirty.discard(uri)
                version = self._version_of(uri)
                if version is None:
                    return
                result = await compute(uri)
                if uri in self._dirty:
                    continue  # called again meanwhile: this result is stale
                now = self._version_of(uri)
                if now is None:
                    return
                if now != version:
                    continue
                deliver(uri, version, result)
                return
        except Exception:
            log.exception("diagnostics for %s failed", uri)
        finally:
            self._running.pop(uri, None)

    def after_pause(
        self, uri: str, quiet: float, work: Callable[[str, int], Awaitable[bool]]
    ) -> None:
        """Run `work(uri, version)` once calls for `uri` paused for `quiet` seconds, for
        its latest version, once per version. `work` returns False to stop for good
        (until the next call) even if the document changed while it ran."""
        self._due[uri] = time.monotonic() + quiet
        if uri in self._pausing:
            return  # the running task sees the new due time
        self._pausing.add(uri)
        self.spawn(self._after_pause(uri, work))

    async def _after_pause(self, uri: str, work: Callable[[str, int], Awaitable[bool]]) -> None:
        try:
            while True:
                wait = self._due.get(uri, 0.0) - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
                version = self._version_of(uri)
                if version is None or self._done_for.get(uri) == version:
                    return
                started = time.monotonic()
                try:
                    go_on = await work(uri, version)
                except Dropped:
                    go_on = True  # outdated before it started: the edit moved the due time
                else:
                    self._done_for[uri] = version
                if not go_on or self._due.get(uri, 0.0) <= started:
                    return  # nothing was asked for while it ran
        except Exception:
            log.exception("background work for %s failed", uri)
        finally:
            self._pausing.discard(uri)

    def forget(self, uri: str) -> None:
        """A document closed or opened anew (its versions start again): a paused task
        still waiting then ends on its own."""
        self._done_for.pop(uri, None)
        self._due.pop(uri, None)

    def spawn(self, work: Awaitable[Any]) -> asyncio.Future[Any]:
        """Run a coroutine on the event loop, kept alive until it ends."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._latency.shutdown(wait=False, cancel_futures=True)
        self._background.shutdown(wait=False, cancel_futures=True)
