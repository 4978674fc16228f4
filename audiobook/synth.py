"""Scheduling speech: every segment through the cache, then the engine, with retries.

* **Cache first.** Segments are content-addressed by everything that changes their audio
  (engine, voice, rate, pitch, volume, text), so an interrupted or repeated build only
  speaks what changed, and a sentence repeated in an article is spoken once.
* **Streaming, in order.** Speech is yielded in segment order as it is ready, at most a
  quarter of an hour of speech ahead of the assembler, so a book is never held whole.
* **Bounded concurrency.** A cloud engine spends most of its time waiting on the network, so
  up to ``engine.concurrency`` requests run at once on worker threads; engines with global
  state say ``concurrency = 1`` and run on one worker thread, speaking ahead of the caller
  (which meanwhile writes to the encoder), or, for a long text on a multi-core machine, on
  a process pool (:mod:`audiobook.parallel`).
* **Retries that follow progress.** An engine error whose ``transient`` attribute is true
  (dropped or refused connections, timeouts, no audio, truncated audio, 403/429/5xx) is
  retried with exponential backoff and jitter, so a fleet of clients does not hammer a
  struggling service in step. How long is not a count of tries per sentence (over a hundred
  sentences at a high fault rate that is a coin toss, and one unlucky sentence failed builds
  while every other was being spoken) but a budget that follows the service: a sentence is
  retried for as long as other sentences are being spoken, and given up only when nothing
  has been spoken for :attr:`RetryPolicy.give_up_after_s` (two minutes) while the build was
  waiting on the engine. A service that is down still fails a build in seconds: before
  anything has been spoken, a run of failures that look like an outage (``down``: refused,
  no such host, 401/403, no audio) ends it.
* **Giving up.** Without a fallback the build stops at once: no new requests start, and the
  error names the section, the sentence and the last cause. With one (``--fallback
  espeak``) the sentence is spoken by the offline voice instead, and :class:`Fallback`
  keeps the list for the build record, ``--json`` and the transcript.

Retries are :mod:`audiobook.retry`'s.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from audiobook import ordered, parallel
from audiobook.engines.base import Engine, VoiceSettings
from audiobook.errors import EngineError
from audiobook.models import Boundary, Segment, Speech
from audiobook.retry import Progress, RetryPolicy, Stopped, describe, speak_with_retries

__all__ = [
    "AHEAD_CHARS",
    "Fallback",
    "FallbackUse",
    "RetryPolicy",
    "SegmentCache",
    "SentenceStore",
    "cache_key",
    "synthesize_all",
    "synthesize_iter",
]

#: How far speech may run ahead of the assembler, in characters of spoken text: about a
#: quarter of an hour of Mandarin (some four characters a second), 40-odd MB of 24 kHz PCM.
#: An article is spoken whole while its first half-minute is still measured for loudness:
#: the speaking fills a core that is idle then, and the encoder, once it starts, has both
#: cores nearly to itself. Fed a few sentences at a time instead, the speaking interrupted
#: the encoder all the way through (seed: a build of 2.78 s against 2.53 s, medians of 8).
AHEAD_CHARS = 3600

#: Bump when the cached format or what an engine returns changes meaning.
_CACHE_VERSION = "2"


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


@runtime_checkable
class SentenceStore(Protocol):
    """Where spoken sentences are kept by :func:`cache_key`: the one thing a build and a
    cluster's workers share (``audiobook batch --cluster``). :class:`SegmentCache` keeps them
    in a folder (local, or a shared file system every worker mounts); an object store (S3,
    GCS) can keep them as objects, as long as a reader never sees half an entry."""

    def get(self, key: str) -> Speech | None:
        """The speech stored under ``key``, or None (missing, or not written whole)."""
        ...

    def put(self, key: str, speech: Speech) -> None:
        """Store ``speech`` under ``key``; readers see all of it or nothing."""
        ...

    def has(self, key: str) -> bool:
        """Is a whole entry stored under ``key``? (Cheaper than :meth:`get`: no audio read.)"""
        ...


class SegmentCache:
    """PCM + timings per cache key, one small pair of files each, written atomically: the
    file-system :class:`SentenceStore`.

    The JSON is written last and records the PCM's length, so a pair half-written by an
    interrupted build (or two builds racing) reads as a miss, never as wrong audio. It holds
    nothing but its folder, so it pickles: a cluster's workers are handed the same store.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def __repr__(self) -> str:
        return f"SegmentCache({str(self.root)!r})"

    def has(self, key: str) -> bool:
        pcm_path, meta_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            return bool(pcm_path.stat().st_size == meta.get("bytes"))
        except (OSError, ValueError, TypeError, AttributeError):
            return False

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


@dataclass(frozen=True)
class FallbackUse:
    """One sentence the network voice could not speak, spoken by the fallback voice."""

    section: int
    index: int
    text: str
    cause: str

    def as_dict(self) -> dict[str, object]:
        """For the build record and ``--json``: section and sentence counted from 1, as
        error messages count them."""
        return {
            "section": self.section + 1,
            "sentence": self.index + 1,
            "text": self.text,
            "cause": self.cause,
        }


class Fallback:
    """An offline engine that speaks a sentence the build's engine gave up on (``--fallback``).

    Off unless asked for: an episode in two voices is a compromise the producer chooses, and
    it is disclosed. :attr:`used` lists the sentences, in segment order, once speech is done.
    The offline voice is given the text normalised for it (digits and Latin spelled out),
    and its audio resampled to the build engine's rate, so the episode stays one stream.
    Its audio is cached under its own engine's key, never under the network voice's.
    """

    def __init__(self, engine: Engine, settings: VoiceSettings) -> None:
        self.engine = engine
        self.settings = settings
        self._used: dict[tuple[int, int], FallbackUse] = {}
        self._lock = threading.Lock()

    @property
    def used(self) -> list[FallbackUse]:
        with self._lock:
            return [self._used[k] for k in sorted(self._used)]

    def speak(
        self, seg: Segment, cause: EngineError, sample_rate: int, cache: SentenceStore | None
    ) -> Speech:
        text = seg.spoken_text
        if self.engine.needs_normalised_text:
            from audiobook.text.normalise import normalise

            text = normalise(text)
        key = cache_key(self.settings, text, engine=self.engine)
        speech = cache.get(key) if cache is not None else None
        if speech is None:
            try:
                speech = self.engine.synthesize(text)
            except EngineError as exc:
                raise EngineError(f"{cause}; the fallback voice failed too: {exc}") from exc
            if cache is not None:
                cache.put(key, speech)
        with self._lock:
            self._used[(seg.section, seg.index)] = FallbackUse(
                seg.section, seg.index, seg.display_text, str(cause.__cause__ or cause)
            )
        return replace(_resampled(speech, sample_rate), fallback=True)


def _resampled(speech: Speech, rate: int) -> Speech:
    """``speech`` at ``rate`` (an episode is one stream at one rate); timings are seconds
    and stay as they are."""
    if not rate or speech.sample_rate == rate or not speech.pcm:
        return Speech(speech.pcm, rate or speech.sample_rate, speech.boundaries)
    import io
    import wave

    from audiobook.audio import decode_to_pcm

    wav = io.BytesIO()
    with wave.open(wav, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(speech.sample_rate)
        out.writeframes(speech.pcm)
    pcm, _ = decode_to_pcm(wav.getvalue(), sample_rate=rate)
    return Speech(pcm, rate, speech.boundaries)


def synthesize_all(
    engine: Engine,
    settings: VoiceSettings,
    segments: Sequence[Segment],
    **options: Any,
) -> list[Speech]:
    """Speech for every segment, in segment order, as a list (see :func:`synthesize_iter`;
    a build streams instead, so a book never holds its audio in memory)."""
    return list(synthesize_iter(engine, settings, segments, **options))


def synthesize_iter(
    engine: Engine,
    settings: VoiceSettings,
    segments: Sequence[Segment],
    *,
    cache: SentenceStore | None = None,
    on_done: Callable[[Segment], None] | None = None,
    retry: RetryPolicy | None = None,
    concurrency: int | None = None,
    refresh: bool = False,
    rng: random.Random | None = None,
    sleep: Callable[[float], object] | None = None,
    window: int | None = None,
    ahead_chars: int | None = None,
    fallback: Fallback | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Speech]:
    """Speech for every segment, yielded in segment order as it becomes available.

    Speech runs ahead of the caller by at most ``ahead_chars`` characters of spoken text (and
    at most ``window`` segments, if given) in flight or finished-but-waiting, so memory stays
    bounded however long the book (see :data:`AHEAD_CHARS`). ``cache=None``
    bypasses the cache (``--no-cache``); ``refresh`` speaks everything again but still stores
    the results. ``concurrency`` can only lower the engine's own limit. ``on_done`` is called
    on the calling thread, once per segment, in completion order (progress bars need not be
    thread-safe), which may run ahead of what has been yielded. ``sleep`` replaces the backoff
    wait and ``clock`` the budget's clock (tests). Repeats of a sentence are spoken once while
    the first is in flight, and served by the cache after that. ``fallback`` speaks what the
    engine could not, once the budget is spent (see :class:`Fallback`).

    A single-threaded engine (``concurrency == 1``, e.g. espeak-ng) on a multi-core machine
    speaks a long text on a process pool (:mod:`audiobook.parallel`); otherwise requests run
    on worker threads (as many as the engine's concurrency; one for espeak-ng).
    """
    progress = Progress(retry or RetryPolicy(), clock)
    rng = rng or random.Random()
    rate = int(getattr(engine, "sample_rate", 0) or 0)
    keys = [cache_key(settings, seg.spoken_text, engine=engine) for seg in segments]
    spoken_now: set[str] = set()  # spoken (and cached) during this build, even with refresh

    def lookup(i: int) -> Speech | None:
        if cache is None or (refresh and keys[i] not in spoken_now):
            return None
        return cache.get(keys[i])

    def store(i: int, speech: Speech) -> None:
        if cache is not None:
            cache.put(keys[i], speech)
            spoken_now.add(keys[i])

    limit = max(1, min(engine.concurrency, concurrency or engine.concurrency))
    if limit == 1 and parallel.worth_a_pool(engine, len(segments)):
        yield from _pooled(settings, segments, lookup, store, on_done)
        return

    stop = threading.Event()

    failed: list[BaseException] = []  # the first segment that failed for good

    def work(i: int) -> Speech:
        if failed:  # queued before another segment failed for good: never start
            raise Stopped
        try:
            try:
                speech = speak_with_retries(engine, segments[i], progress, stop, rng, sleep)
            except EngineError as exc:
                if fallback is None or failed:
                    raise
                return fallback.speak(segments[i], exc, rate, cache)
        except Stopped:
            raise
        except BaseException as exc:
            failed.append(exc)
            raise
        store(i, speech)
        return speech

    # Requests run on worker threads even for a one-at-a-time engine: the caller (the
    # assembler) spends its time writing to the encoder, and a worker that speaks the next
    # sentence meanwhile keeps the encoder fed (ctypes and sockets release the GIL).
    inflight: dict[str, Future[Speech]] = {}  # a repeated sentence is spoken once

    def jobs(pool: ThreadPoolExecutor) -> Iterator[tuple[int, Future[Speech] | Speech]]:
        for i in range(len(segments)):
            hit = lookup(i)
            if hit is not None:
                if on_done:
                    on_done(segments[i])
                yield i, hit
                continue
            future = inflight.get(keys[i])
            if future is None:
                future = inflight[keys[i]] = pool.submit(work, i)
            yield i, future

    def finished(i: int, future: Future[Speech]) -> None:
        if future.exception() is not None:  # the first real failure, not a Stopped
            raise failed[0] if failed else future.exception()  # type: ignore[misc]
        if on_done:
            on_done(segments[i])

    with ThreadPoolExecutor(max_workers=limit, thread_name_prefix="synth") as pool:
        try:
            ahead = ordered.in_order(
                jobs(pool),
                max(1, window or len(segments)),
                finished,
                weight=lambda i: len(segments[i].spoken_text),
                budget=ahead_chars or AHEAD_CHARS,
            )
            for i, entry in ahead:
                if isinstance(entry, Future):
                    if inflight.get(keys[i]) is entry:
                        del inflight[keys[i]]
                    entry = entry.result()
                yield entry
        except BaseException:
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _pooled(
    settings: VoiceSettings,
    segments: Sequence[Segment],
    lookup: Callable[[int], Speech | None],
    store: Callable[[int, Speech], None],
    on_done: Callable[[Segment], None] | None,
) -> Iterator[Speech]:
    """A single-threaded engine on worker processes, one engine per core, results in order."""

    def done(i: int) -> None:
        if on_done:
            on_done(segments[i])

    texts = (seg.spoken_text for seg in segments)
    try:
        for item in parallel.synthesize_ordered(
            settings, texts, cached=lambda i, _text: lookup(i), on_done=done
        ):
            if item.fresh:
                store(item.index, item.speech)
            yield item.speech
    except parallel.ItemError as exc:
        raise EngineError(f"{describe(segments[exc.index])}: {exc} (not retried)") from exc
