"""Run calls on a few daemon threads and hand the results back to the calling thread.

Results come back in completion order to the thread that iterates, so that only that thread
touches the SQLite connection. The threads are daemons: Ctrl-C, or stopping the iteration,
never waits for a slow server to answer the calls still in flight.
"""

from __future__ import annotations

import queue
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def run_concurrently(
    fn: Callable[[T], R], items: Sequence[T], workers: int
) -> Iterator[tuple[T, R | None, BaseException | None]]:
    """Yield (item, result, None) or (item, None, error) for each item as its call ends, with
    at most ``workers`` calls at a time; closing the iterator stops handing out new items."""
    jobs: queue.Queue = queue.Queue()
    for item in items:
        jobs.put(item)
    results: queue.Queue = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        # signals go to the main thread only, where the store defers them during a commit
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
        while not stop.is_set():
            try:
                item = jobs.get_nowait()
            except queue.Empty:
                return
            try:
                results.put((item, fn(item), None))
            except BaseException as err:
                results.put((item, None, err))

    for _ in range(min(workers, len(items))):
        threading.Thread(target=work, daemon=True).start()
    try:
        for _ in range(len(items)):
            while True:
                try:
                    yield results.get(timeout=0.2)
                    break
                except queue.Empty:
                    continue
    finally:
        stop.set()
