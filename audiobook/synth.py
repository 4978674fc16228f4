"""Scheduling speech: every segment through the cache, then the engine, with retries.

* **Cache first.** Segments are content-addressed by everything that changes their audio
  (engine, voice, rate, pitch, volume, text), so an interrupted or repeated build only
  speaks what changed, and a sentence repeated in an article is spoken once.
* **Bounded concurrency.** A cloud engine spends most of its time waiting on the network, so
  up to ``engine.concurrency`` requests run at once on worker threads; engines with global
  state say ``concurrency = 1`` and run on the calling thread, one at a time.
* **Retries.** An engine error whose ``transient`` attribute is true (dropped or refused
  connections, timeouts, no audio, truncated audio, 403/429/5xx) is retried with exponential
  backoff and jitter, so a fleet of clients does not hammer a struggling service in step.
  When a segment runs out of attempts the build stops at once: no new requests start, and the
  error names the section, the sentence and the last cause.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from audiobook.engines.base import Engine, VoiceSettings
from audiobook.errors import EngineError
from audiobook.models import Boundary, Segment, Speech

#: Bump when the cached format or what an engine returns changes meaning.
_CACHE_VERSION = "2"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one segment before the build gives up.

    The defaults wait about 0.4 + 0.8 + 1.6 + 3.2 + 6 s at most between six attempts: enough to
    ride out a dropped connection or a short throttle, short enough that a service that is
    down fails the build in seconds rather than minutes.
    """

    attempts: int = 6
    base_delay_s: float = 0.4
    max_delay_s: float = 6.0
    #: A server's Retry-After is honoured up to this long.
    max_retry_after_s: float = 30.0

    def delay(self, failures: int, rng: random.Random, retry_after_s: float | None = None) -> float:
        """Wait after the ``failures``-th failure: "equal jitter" keeps the exponential floor
        (so waits really grow) while spreading clients over the upper half."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (failures - 1))
        wait_s = ceiling / 2 + rng.uniform(0, ceiling / 2)
        if retry_after_s is not None:
            wait_s = max(wait_s, min(retry_after_s, self.max_retry_after_s))
        return wait_s


def cache_key(settings: VoiceSettings, text: str, *, engine: Engine | None = None) -> str:
    """Content address of one request: every input that changes the result, and nothing else.

    With an engine, its own name and voice replace the profile's (an ``auto`` profile resolves
    to a different engine run by run, and their audio must never share a key), plus any
    ``cache_variant`` the engine declares (e.g. word vs sentence timings).
    """
    parts: list[str] = list(settings.cache_key_parts())
    if engine is not None:
        parts[0] = engine.name
        parts[1] = engine.describe()
        parts.append(str(getattr(engine, "cache_variant", "")))
    payload = json.dumps([_CACHE_VERSION, *parts, text], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class SegmentCache:
    """PCM + timings per cache key, one small pair of files each, written atomically.

    The JSON is written last and records the PCM's length, so a pair half-written by an
    interrupted build (or two builds racing) reads as a miss, never as wrong audio.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}.pcm", folder / f"{key}.json"

    def get(self, key: str) -> Speech | None:
        pcm_path, meta_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            pcm = pcm_path.read_bytes()
            if len(pcm) != meta.get("bytes"):
                return None
            bounds = tuple(Boundary(**b) for b in meta.get("boundaries", []))
            return Speech(pcm, int(meta["sample_rate"]), bounds)
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def put(self, key: str, speech: Speech) -> None:
        pcm_path, meta_path = self._paths(key)
        pcm_path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "sample_rate": speech.sample_rate,
            "bytes": len(speech.pcm),
            "boundaries": [b.__dict__ for b in speech.boundaries],
        }
        for path, data in ((pcm_path, speech.pcm), (meta_path, json.dumps(meta).encode())):
            # Unique temporary names: concurrent builds may write the same key.
            tmp = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)


class _Stopped(Exception):
    """Another segment failed for good; this one stops without trying further."""


def _describe(seg: Segment) -> str:
    excerpt = seg.display_text.strip().replace("\n", " ")
    if len(excerpt) > 24:
        excerpt = excerpt[:24] + "…"
    return f"section {seg.section + 1}, sentence {seg.index + 1} («{excerpt}»)"


def _speak_with_retries(
    engine: Engine,
    seg: Segment,
    policy: RetryPolicy,
    stop: threading.Event,
    rng: random.Random,
    sleep: Callable[[float], object] | None,
) -> Speech:
    failures = 0
    while True:
        if stop.is_set():
            raise _Stopped
        try:
            return engine.synthesize(seg.spoken_text)
        except EngineError as exc:
            failures += 1
            transient = bool(getattr(exc, "transient", False))
            if not transient or failures >= policy.attempts:
                tries = f"after {failures} attempts" if failures > 1 else "(not retried)"
                raise EngineError(f"{_describe(seg)}: {exc} {tries}") from exc
            delay = policy.delay(failures, rng, getattr(exc, "retry_after_s", None))
            if sleep is not None:
                sleep(delay)
            elif stop.wait(delay):  # wakes at once when another segment has failed
                raise _Stopped from exc


def synthesize_all(
    engine: Engine,
    settings: VoiceSettings,
    segments: Sequence[Segment],
    *,
    cache: SegmentCache | None = None,
    on_done: Callable[[Segment], None] | None = None,
    retry: RetryPolicy | None = None,
    concurrency: int | None = None,
    refresh: bool = False,
    rng: random.Random | None = None,
    sleep: Callable[[float], object] | None = None,
) -> list[Speech]:
    """Speech for every segment, in segment order.

    ``cache=None`` bypasses the cache (``--no-cache``); ``refresh`` speaks everything again
    but still stores the results. ``concurrency`` can only lower the engine's own limit.
    ``on_done`` is called on the calling thread, once per segment, in completion order
    (progress bars need not be thread-safe). ``sleep`` replaces the backoff wait (tests).
    """
    policy = retry or RetryPolicy()
    rng = rng or random.Random()
    results: list[Speech | None] = [None] * len(segments)

    # Group by content address: cache hits are done at once; repeats are spoken once.
    todo: dict[str, list[int]] = {}
    for i, seg in enumerate(segments):
        key = cache_key(settings, seg.spoken_text, engine=engine)
        speech = cache.get(key) if cache is not None and not refresh else None
        if speech is not None:
            results[i] = speech
            if on_done:
                on_done(seg)
        else:
            todo.setdefault(key, []).append(i)

    stop = threading.Event()

    def work(key: str, first: int) -> Speech:
        speech = _speak_with_retries(engine, segments[first], policy, stop, rng, sleep)
        if cache is not None:
            cache.put(key, speech)
        return speech

    def finish(key: str, speech: Speech) -> None:
        for i in todo[key]:
            results[i] = speech
            if on_done:
                on_done(segments[i])

    limit = max(1, min(engine.concurrency, concurrency or engine.concurrency, len(todo) or 1))
    if limit == 1:
        for key, indices in todo.items():
            finish(key, work(key, indices[0]))
    else:
        with ThreadPoolExecutor(max_workers=limit, thread_name_prefix="synth") as pool:
            pending: dict[Future[Speech], str] = {
                pool.submit(work, key, indices[0]): key for key, indices in todo.items()
            }
            try:
                while pending:
                    done, _ = wait(pending, return_when=FIRST_EXCEPTION)
                    for future in done:
                        key = pending.pop(future)
                        finish(key, future.result())  # raises the first real failure
            except BaseException:
                stop.set()
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    missing = [i for i, speech in enumerate(results) if speech is None]
    if missing:  # pragma: no cover - every path above fills its slots or raises
        raise RuntimeError(f"no speech for segments {missing}")
    return [speech for speech in results if speech is not None]
