"""Work spread over the CPU's cores: how many there are, and a map over threads that keeps its order.

Threads, not processes: the work that runs side by side here (reading images, the
array operations of finding chromosomes, writing PNG files) releases the GIL for
most of its time, and threads need no start-up, no copies of the images and no
pickling of what they return. Needs nothing heavier than the standard library, so
that ``sccscore detect`` stays free of torch.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def cpu_threads() -> int:
    """CPU cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def in_order(
    work: Callable[[Item], Result],
    items: Iterable[Item],
    threads: int,
    cost: Callable[[Item], float] | None = None,
    budget: float = float("inf"),
) -> Iterator[Result]:
    """``work(item)`` for each item, on ``threads`` threads, yielded in the items' order.

    At most ``threads`` items are in hand at once, and at most ``budget`` of their
    ``cost`` together (an item that costs more than the budget runs alone), so that
    memory stays bounded however many items there are: the next item starts when the
    oldest one's result is taken. An exception in ``work`` is raised where its result
    would have been yielded. When that happens, or the caller stops taking results
    (``close()``, as ``contextlib.closing`` does on an error), the items already
    running finish and no other starts, so nothing is left writing behind the caller.

    Examples
    --------
    >>> list(in_order(lambda n: n * n, range(5), threads=2))
    [0, 1, 4, 9, 16]
    """
    pool = ThreadPoolExecutor(max(1, threads))
    started: deque[tuple[Future[Result], float]] = deque()
    try:
        for item in items:
            weight = cost(item) if cost else 0.0
            while started and (len(started) >= threads or sum(w for _, w in started) + weight > budget):
                yield started.popleft()[0].result()
            started.append((pool.submit(work, item), weight))
        while started:
            yield started.popleft()[0].result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
