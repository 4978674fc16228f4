"""Offline engines across CPU cores: a process pool, each worker with its own engine.

Engines such as espeak-ng keep global state in their C library, so one process can only
speak one text at a time (``concurrency == 1``); threads would just queue on its lock.
Processes each load their own copy. Results come back **in segment order** while at most
``window`` texts are in flight, so memory stays bounded however long the book is, and the
caller can stream them straight into the assembler.

Workers start with ``forkserver`` (``spawn`` where that is missing), never ``fork``: the
parent may already run threads (the progress bar, the loudness scanner's reader) and have
libespeak-ng initialised, and forking either is a known way to deadlock.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import sys
import types
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from audiobook import ordered
from audiobook.cores import cpu_workers
from audiobook.engines.base import Engine, VoiceSettings
from audiobook.errors import EngineError
from audiobook.models import Speech

_engine: Engine | None = None
#: A worker's answer: speech, or the engine's error as text.
_Outcome = tuple[Speech | None, str | None]


def _init_worker(settings: VoiceSettings) -> None:
    global _engine
    from audiobook import engines

    _engine = engines.create(settings)


def _speak(text: str) -> _Outcome:
    """Run in a worker. Errors travel back as text: custom exception classes may not
    survive pickling, and the parent re-raises them as :class:`EngineError`."""
    assert _engine is not None
    try:
        return _engine.synthesize(text), None
    except EngineError as exc:
        return None, str(exc)


@contextlib.contextmanager
def bare_main() -> Iterator[None]:
    """Start workers without the caller's main module.

    ``spawn``/``forkserver`` workers re-import ``__main__`` (the CLI script, and with it the
    whole text front end: about 90 MB per worker instead of 22 MB). They only need this
    module, so while a worker starts, ``__main__`` is an empty module.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while a worker may be starting: interrupted half-way, a
    worker the pool does not know of yet would outlive the build (and fail noisily once the
    parent is gone). They are delivered, and the build stops, right after."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:  # pragma: no cover - not POSIX
        yield
        return
    previous = mask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, previous)


def worth_a_pool(engine: Engine, segments: int) -> bool:
    """A pool pays off for a single-threaded engine on a multi-core machine, for more than a
    few hundred segments: each worker is a fresh interpreter that re-imports the caller's
    main module (a second or so with the text front end), while espeak-ng speaks a sentence
    in a few milliseconds, so short articles are faster in one process."""
    return engine.concurrency == 1 and cpu_workers() > 1 and segments >= 200


class ItemError(EngineError):
    """An engine failure in a worker, with the input index it failed on (so the scheduler
    can name the section and sentence)."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


@dataclass(frozen=True)
class Done:
    """One finished item, in input order: its index, its speech and whether the engine
    made it now (``False``: it came from ``cached``), so the caller knows what to cache."""

    index: int
    speech: Speech
    fresh: bool


def synthesize_ordered(
    settings: VoiceSettings,
    texts: Iterable[str],
    *,
    workers: int | None = None,
    window: int | None = None,
    cached: Callable[[int, str], Speech | None] | None = None,
    on_done: Callable[[int], None] | None = None,
) -> Iterator[Done]:
    """Speak ``texts`` on a pool of worker processes; yield results in input order.

    ``cached(index, text)`` is asked first (in the parent); hits never reach a worker.
    ``on_done(index)`` is called once per item as soon as it is finished (cache hits when
    looked up, engine results when their worker returns, so in completion order), which
    keeps a progress bar truthful while the ordered results wait for a slower neighbour.
    At most ``window`` items (default 4 per worker) are in flight or waiting to be yielded.
    """
    n_workers = workers or cpu_workers()
    limit = window or 4 * n_workers
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        # Workers fork from a server that has the engine code loaded already.
        context.set_forkserver_preload(["audiobook.parallel", "audiobook.engines.espeak"])

    def jobs(pool: ProcessPoolExecutor) -> Iterator[tuple[int, Future[_Outcome] | Speech]]:
        for index, text in enumerate(texts):
            hit = cached(index, text) if cached else None
            if hit is not None:
                if on_done:
                    on_done(index)
                yield index, hit
                continue
            with bare_main(), _signals_deferred():  # submit may start a worker
                future = pool.submit(_speak, text)
            yield index, future

    def finished(index: int, future: Future[_Outcome]) -> None:
        if on_done and future.exception() is None and future.result()[1] is None:
            on_done(index)

    with ProcessPoolExecutor(
        n_workers, mp_context=context, initializer=_init_worker, initargs=(settings,)
    ) as pool:
        try:
            for index, entry in ordered.in_order(jobs(pool), limit, finished):
                if not isinstance(entry, Future):
                    yield Done(index, entry, False)
                    continue
                speech, error = entry.result()
                if error is not None or speech is None:
                    raise ItemError(index, error or "the engine returned nothing")
                yield Done(index, speech, True)
        except BaseException:
            # Interrupted (Ctrl-C, SIGTERM) or failed: the workers stop now, not after the
            # texts they hold (a book's worth could be queued).
            stop_workers(pool)
            raise
        finally:
            pool.shutdown(wait=False, cancel_futures=True)


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel what a pool has not started and end its worker processes at once."""
    # The processes are private to the executor (public only from Python 3.14 on); one being
    # started this instant is not among them yet, but is among this process's children.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    processes += [p for p in multiprocessing.active_children() if p not in processes]
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)
