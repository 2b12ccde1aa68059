"""Database work in parallel: a small pool of connections, one thread each.

The runner hands whole tasks (build a model, check a model) to the pool and handles their
outcomes one at a time on its own thread, so reporting and failure handling stay sequential.
The threads spend their time waiting for the database, which does the work.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from transforms.engine.errors import TransformsError

if TYPE_CHECKING:
    from ibis.backends.sql import SQLBackend

    from transforms.engine.dialects import Dialect

T = TypeVar("T")


def default_threads() -> int:
    """How many models are built at the same time by default: one per core, at most four."""
    return max(1, min(4, os.cpu_count() or 1))


class Workers:
    """Runs up to ``size`` tasks at once, each on a connection of its own.

    The first connection is the session's own; the others are opened when first needed (a
    DuckDB cursor, or a PostgreSQL connection with the same settings) and closed on exit.
    """

    def __init__(self, dialect: Dialect, con: SQLBackend, size: int) -> None:
        if not isinstance(size, int) or size < 1:
            raise TransformsError(f"threads must be a whole number of at least 1, not {size!r}")
        self._dialect = dialect
        self._con = con
        self._idle: queue.SimpleQueue[SQLBackend] = queue.SimpleQueue()
        self._idle.put(con)
        self._opened: list[SQLBackend] = []
        self._busy: set[SQLBackend] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="transforms")

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, task: Callable[[SQLBackend], T]) -> Future[T]:
        """Run ``task(connection)`` on the next free thread."""
        return self._pool.submit(self._run, task)

    def cancel(self) -> None:
        """Ask the database to stop the statements running now (they then raise)."""
        with self._lock:
            busy = list(self._busy)
        for con in busy:
            with contextlib.suppress(Exception):
                self._dialect.cancel(con)

    def close(self) -> None:
        """Wait for the running tasks, then close the connections this pool opened."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        for con in self._opened:
            with contextlib.suppress(Exception):
                con.disconnect()

    def _run(self, task: Callable[[SQLBackend], T]) -> T:
        try:
            con = self._idle.get_nowait()
        except queue.Empty:  # at most one connection per thread: each holds one at a time
            con = self._dialect.open_worker(self._con)
            with self._lock:
                self._opened.append(con)
        with self._lock:
            self._busy.add(con)
        try:
            return task(con)
        except BaseException:
            # a cancel may have landed anywhere, a COMMIT included: hand the connection back
            # ready for the next statement (it may be the caller's own)
            with contextlib.suppress(Exception):
                self._dialect.recover(con)
            raise
        finally:
            with self._lock:
                self._busy.discard(con)
            self._idle.put(con)
