"""Results in input order from work that finishes out of order, with a bounded window.

Speech is assembled in segment order, but a pool (threads for a cloud voice, processes for an
offline one) finishes segments in any order. Both schedulers share this loop: it starts work
lazily while fewer than ``window`` items are in flight or finished-but-waiting (so memory is
bounded however long the book), reports each item the moment it finishes (so a progress bar
is truthful while the head of the line waits for a slow neighbour), and hands items back in
input order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import TypeVar

R = TypeVar("R")
F = TypeVar("F")


def in_order(
    jobs: Iterator[tuple[int, Future[F] | R]],
    window: int,
    on_finished: Callable[[int, Future[F]], None],
    *,
    weight: Callable[[int], float] | None = None,
    budget: float | None = None,
) -> Iterator[tuple[int, Future[F] | R]]:
    """Pull ``(index, entry)`` jobs (pulling one starts it), yield them in the order pulled.

    At most ``window`` jobs are pulled and not yet yielded. With a ``budget``, their total
    ``weight(index)`` is bounded too: a job is pulled only while the total is below it (so one
    job heavier than the budget still runs, alone).

    An entry is a :class:`~concurrent.futures.Future` or a result at hand. A future may stand
    for several indices (a repeated sentence spoken once): ``on_finished(index, future)`` is
    called for each, as soon as it is done and before it is yielded; it may raise to stop
    everything. Yielded futures are done; the caller takes their result.
    """
    pending: deque[tuple[int, Future[F] | R]] = deque()
    unreported: dict[Future[F], list[int]] = {}
    exhausted = False
    held = 0.0  # the pending jobs' total weight

    def room() -> bool:
        return len(pending) < window and (budget is None or not pending or held < budget)

    while True:
        while not exhausted and room():
            job = next(jobs, None)
            if job is None:
                exhausted = True
                break
            if isinstance(job[1], Future):
                unreported.setdefault(job[1], []).append(job[0])
            pending.append(job)
            if weight is not None:
                held += weight(job[0])
        if not pending:
            return
        head = pending[0][1]
        if isinstance(head, Future) and head in unreported and not head.done():
            wait(list(unreported), return_when=FIRST_COMPLETED)
        for future in [f for f in unreported if f.done()]:
            for index in unreported.pop(future):
                on_finished(index, future)
        while pending and not (isinstance(pending[0][1], Future) and pending[0][1] in unreported):
            job = pending.popleft()
            if weight is not None:
                held -= weight(job[0])
            yield job
