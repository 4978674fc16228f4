"""The cluster side of a batch (``audiobook batch --cluster``): Dask distributed as the
batch's :class:`~audiobook.batch.Speaker`, and the task its workers run.

Apart from :mod:`audiobook.batch` (which plans, builds and publishes on the coordinator)
because only this part needs Dask, and only this part runs on the workers.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audiobook import engines, errors
from audiobook.engines.base import Engine, VoiceSettings
from audiobook.errors import AudiobookError, ConfigError, EngineError
from audiobook.models import Segment
from audiobook.synth import RetryPolicy, SegmentCache, SentenceStore, synthesize_iter

__all__ = ["CONNECT_TIMEOUT_S", "DaskSpeaker", "speak_chunk"]


# -- on a worker ----------------------------------------------------------------------------

_engines: dict[tuple[VoiceSettings, int | None], Engine] = {}
_engines_lock = threading.Lock()


def speak_chunk(
    settings: VoiceSettings,
    concurrency: int | None,
    segments: Sequence[Segment],
    store: SentenceStore,
    retry: RetryPolicy,
) -> int:
    """Run on a cluster worker: speak ``segments`` into ``store`` (what is there already is
    not spoken again; a task re-run after its worker died resumes where it stopped). The
    audio stays in the store; the answer is only how many were done. Errors are the
    engine's, as a local build raises them, made plain (see :func:`_portable`)."""
    with _engines_lock:
        engine = _engines.get((settings, concurrency))
        if engine is None:
            engine = _engines[(settings, concurrency)] = engines.create(
                settings, concurrency=concurrency
            )
    failure: AudiobookError | None = None
    try:
        for _ in synthesize_iter(engine, segments, cache=store, retry=retry):
            pass
    except AudiobookError as exc:
        failure = _portable(exc)
    if failure is not None:  # raised outside the handler: no unpicklable context rides along
        raise failure
    return len(segments)


def _portable(exc: AudiobookError) -> AudiobookError:
    """``exc`` as the :mod:`audiobook.errors` class it is, with its message: an engine's own
    subclass may take arguments that do not survive pickling back to the coordinator."""
    for cls in type(exc).__mro__:
        if cls.__module__ == errors.__name__ and issubclass(cls, AudiobookError):
            return cls(str(exc))
    return AudiobookError(str(exc))


def _sees(path: str, token: str) -> bool:
    """Run on a worker: does it see the coordinator's sentence store (the token file)?"""
    try:
        return Path(path).read_text("utf-8") == token
    except OSError:
        return False


# -- Dask distributed -----------------------------------------------------------------------

#: How long to wait for the scheduler to answer, and for it to have a worker.
CONNECT_TIMEOUT_S = 20.0


class DaskSpeaker:
    """A Dask distributed cluster (``--cluster tcp://HOST:8786``) as the batch's
    :class:`Speaker`. Dask reschedules the tasks of a worker that dies (up to its
    ``distributed.scheduler.allowed-failures``), so a killed worker loses nothing: its
    chunk is spoken again elsewhere, and what it had stored already is a cache hit."""

    def __init__(self, address: str, *, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        try:
            from distributed import Client
            from distributed.comm import parse_address
            from distributed.comm.addressing import parse_host_port
        except ImportError:
            raise ConfigError(
                "--cluster needs Dask distributed: pip install 'audiobook[cluster]'"
            ) from None
        try:  # refused before a client exists: one that never connected dies noisily
            scheme, location = parse_address(address)
            parse_host_port(location)
        except ValueError as exc:
            raise ConfigError(
                f"--cluster {address!r}: not a scheduler address like tcp://HOST:8786 ({exc})"
            ) from None
        if scheme not in ("tcp", "tls"):
            raise ConfigError(f"--cluster {address!r}: a Dask scheduler speaks tcp:// or tls://")
        try:
            self.client = Client(address, timeout=timeout_s, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise EngineError(f"--cluster {address}: no Dask scheduler answered ({exc})") from None
        try:
            self.client.wait_for_workers(1, timeout=timeout_s)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise EngineError(
                f"--cluster {address}: the scheduler has no workers ({exc})"
            ) from None
        self.address = address

    @property
    def slots(self) -> int:
        workers = self.client.scheduler_info().get("workers", {})
        return max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))

    def describe(self) -> str:
        workers = self.client.scheduler_info().get("workers", {})
        return f"{self.address} ({len(workers)} workers, {self.slots} threads)"

    def check_store(self, store: SentenceStore) -> None:
        """Refuse a cluster whose workers do not see the coordinator's sentence folder (a
        path every worker must mount), before anything is spoken into the void."""
        if not isinstance(store, SegmentCache):
            return
        store.root.mkdir(parents=True, exist_ok=True)
        token = uuid.uuid4().hex
        probe = store.root / f".batch-probe-{token}"
        probe.write_text(token, "utf-8")
        try:
            seen = self.client.run(_sees, str(probe), token)
        finally:
            probe.unlink(missing_ok=True)
        blind = sorted(worker for worker, ok in seen.items() if not ok)
        if blind:
            raise ConfigError(
                f"{len(blind)} worker(s) ({', '.join(blind[:3])}) do not see the sentence cache "
                f"{store.root}: give every worker the same path (--cache-dir on a shared disk)"
            )

    def speak(
        self,
        settings: VoiceSettings,
        segments: Sequence[Segment],
        store: SentenceStore,
        retry: RetryPolicy,
        concurrency: int | None,
    ) -> Any:
        return self.client.submit(
            speak_chunk, settings, concurrency, list(segments), store, retry, pure=False
        )

    def cancel(self, futures: Sequence[Any]) -> None:
        if futures:
            with contextlib.suppress(Exception):
                self.client.cancel(list(futures))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()
