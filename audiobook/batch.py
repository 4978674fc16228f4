"""Many articles, one episode each, into one output folder and feed (``audiobook batch``).

Each article is built exactly as ``audiobook build`` builds it (:func:`audiobook.pipeline.build`,
given the front end's result), one after another, so a batch publishes what single builds
would, under the feed's lock, a transaction per episode.

* **Failures stay with their article.** An article that cannot be read, spoken or published
  is reported (with the error and exit code a single build would give) and the batch goes on.
* **Resumable.** After each episode is published the batch records, in the output folder
  (:data:`MANIFEST_NAME`), a hash of everything that makes the episode what it is: the cache
  key of every sentence (engine, voice, settings, text), the text shown, the sections, the
  title and the editions asked for. A re-run skips an article whose hash is unchanged and
  whose episode is still published; anything else is built again, in its episode's place
  (the article's identity and guid are kept, as a rebuild keeps them). A batch killed at any
  point leaves the feed valid (publishing is a transaction) and a re-run finishes the job.
* **A cluster speaks, the coordinator publishes.** With a :class:`Speaker` (``--cluster``:
  :class:`~audiobook.cluster.DaskSpeaker`), the sentences not yet in the shared sentence store
  (:class:`~audiobook.synth.SentenceStore`) are spoken on the cluster's workers, in chunks,
  several articles ahead; the coordinator then builds each article locally, in order, where
  every sentence is a cache hit: assembling, encoding and publishing stay one code path. The
  cluster engine does the scheduling, retries and rescheduling of a dead worker's tasks; we
  keep no scheduler, queue or RPC of our own.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from audiobook import engines, pipeline, profiles
from audiobook.engines.base import Engine, VoiceSettings
from audiobook.errors import AudiobookError, ConfigError, EngineError
from audiobook.models import Segment
from audiobook.publish.store import EpisodeRecord, Store, atomic_write
from audiobook.synth import RetryPolicy, SentenceStore, cache_key

#: The batch's record of what it built, in the output folder: article → content hash and
#: the episode published for it. Only a hint: an entry counts only while its episode is
#: still in the feed, so ``feed remove`` or a hand edit never makes the batch skip wrongly.
MANIFEST_NAME = ".audiobook.batch.json"
#: Bump when what the content hash covers changes meaning.
HASH_VERSION = "1"
#: The most spoken text one cluster task carries: a few hundred sentences at most (so a
#: worker never starts a process pool inside itself, see parallel.worth_a_pool), and a book
#: spreads over every worker instead of landing on one.
CHUNK_CHARS = 3000
#: Articles in a row the voice fails (with nothing spoken between) after which the rest of
#: the batch is not tried: a service that is down would otherwise fail each in turn, after
#: its retries (some ten seconds an article).
VOICE_FAILURES_TO_STOP = 3
#: Exit code of a batch whose failed articles failed in different ways (otherwise their own).
MIXED_FAILURES_EXIT = 1

Status = Literal["built", "skipped", "failed"]


@dataclass(frozen=True)
class ItemResult:
    """What became of one article of the batch."""

    source: str
    status: Status
    #: The episode (built or already up to date): its id, MP3, title and duration.
    episode: dict[str, Any] | None = None
    #: The one-line error a single build would have printed, and its exit code.
    error: str | None = None
    exit_code: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Summary:
    items: tuple[ItemResult, ...]
    feed: Path
    seconds: float

    def count(self, status: Status) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def exit_code(self) -> int:
        """0 when every article is built or up to date; else the exit code the failed
        articles share (a voice service that is down: 3, as ``build`` exits), or
        :data:`MIXED_FAILURES_EXIT` when they failed in different ways."""
        codes = {item.exit_code for item in self.items if item.status == "failed"}
        if not codes:
            return 0
        return codes.pop() if len(codes) == 1 else MIXED_FAILURES_EXIT

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles": len(self.items),
            "built": self.count("built"),
            "skipped": self.count("skipped"),
            "failed": self.count("failed"),
            "seconds": round(self.seconds, 3),
            "exit_code": self.exit_code,
            "feed": str(self.feed),
        }


class Observer:
    """What a batch tells its caller as it goes; the CLI renders it. Methods may be called
    from a cluster client's threads (the CLI's rich progress is thread-safe)."""

    def note(self, message: str) -> None:
        """A one-line status message (the voice, the cluster)."""

    def planned(self, source: str, sentences: int, ready: int) -> None:
        """An article is read: ``sentences`` to speak, ``ready`` of them already spoken."""

    def spoken(self, count: int) -> None:
        """``count`` more sentences are spoken (into the sentence store)."""

    def finished(self, item: ItemResult) -> None:
        """An article is done: built, skipped or failed."""


class Speaker(Protocol):
    """Somewhere other than this process that speaks sentences into the shared store (a
    cluster). ``speak`` returns a future whose ``result()`` raises what the engine raised."""

    @property
    def slots(self) -> int:
        """How many chunks it speaks at once (worker threads); sets how far ahead to plan."""
        ...

    def speak(
        self,
        settings: VoiceSettings,
        segments: Sequence[Segment],
        store: SentenceStore,
        retry: RetryPolicy,
        concurrency: int | None,
    ) -> Any: ...

    def cancel(self, futures: Sequence[Any]) -> None: ...

    def check_store(self, store: SentenceStore) -> None:
        """Raise a ConfigError if the workers cannot reach ``store``."""
        ...


# -- the content hash and the manifest ------------------------------------------------------


def content_hash(
    prepared: pipeline.Prepared,
    segments: Sequence[Segment],
    keys: Sequence[str],
    options: pipeline.BuildOptions,
) -> str:
    """Everything that makes an article's episode what it is, hashed: what is heard (each
    sentence's cache key: engine, voice, settings, spoken text), what is shown (each
    sentence's text, the sections, the title, byline and link) and what is published beside
    it (the editions and fallback asked for). The same hash means the same episode."""
    article = prepared.article
    payload = [
        HASH_VERSION,
        list(keys),
        [[s.section, s.index, s.display_text, s.ends_paragraph] for s in segments],
        [[s.title, s.level] for s in article.sections],
        pipeline.episode_title(prepared, options.title),
        article.byline,
        article.language,
        prepared.document.link,
        [options.daisy, options.epub, options.m4b, options.fallback, options.title],
    ]
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Manifest:
    """The batch's record in the output folder (see :data:`MANIFEST_NAME`)."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.path = output / MANIFEST_NAME
        self._entries = self._read()

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            raw = json.loads(self.path.read_text("utf-8"))
            entries = raw["articles"]
            return (
                {str(k): dict(v) for k, v in entries.items()} if isinstance(entries, dict) else {}
            )
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return {}  # missing or damaged: every article is built again, nothing is lost

    def up_to_date(
        self, article: str, digest: str, records: list[EpisodeRecord]
    ) -> EpisodeRecord | None:
        """The published episode of ``article`` if it was built from content ``digest``."""
        entry = self._entries.get(article)
        if entry is None or entry.get("hash") != digest:
            return None
        for record in records:
            ours = record.article == article and record.id == entry.get("episode")
            if ours and record.mp3 == entry.get("mp3") and (self.output / record.mp3).is_file():
                return record
        return None

    def record(self, article: str, digest: str, record: EpisodeRecord) -> None:
        """Note ``article``'s new episode; written at once (atomically), under the feed's
        lock, so a batch killed after a publish skips that article next time."""
        store = Store(self.output)
        with store.locked():
            self._entries = {**self._read(), **self._entries}
            self._entries[article] = {"hash": digest, "episode": record.id, "mp3": record.mp3}
            payload = {"version": 1, "articles": self._entries}
            data = json.dumps(payload, ensure_ascii=False, indent=1) + "\n"
            atomic_write(self.path, data.encode("utf-8"))


# -- one article's plan ---------------------------------------------------------------------


@dataclass
class _Plan:
    """An article read and scripted, and the cluster's work on it (if any)."""

    source: str
    started: float
    prepared: pipeline.Prepared | None = None
    article: str = ""
    digest: str = ""
    done: EpisodeRecord | None = None
    error: BaseException | None = None
    futures: list[Any] = field(default_factory=list)


class _BuildReporter(pipeline.Reporter):
    """A build's progress, as the batch counts it: sentences spoken here (not on a cluster,
    whose sentences are counted as its chunks finish)."""

    def __init__(self, observer: Observer, count_spoken: bool) -> None:
        self.observer = observer
        self.count_spoken = count_spoken

    def spoke(self, segment: Segment) -> None:
        if self.count_spoken:
            self.observer.spoken(1)


def resolve_voice(options: pipeline.BuildOptions) -> tuple[engines.Choice, pipeline.BuildOptions]:
    """One voice for the whole batch, chosen once (``auto`` asks the service once, not once
    an article), and the build options that name it, so every episode is in that voice."""
    profile = options.profile
    if not isinstance(profile, profiles.Profile):
        profile = profiles.load(profile)
    options.retry_policy()  # a bad $AUDIOBOOK_GIVE_UP_AFTER: exit 2 now, not per article
    choice = engines.choose(profile, concurrency=options.concurrency)
    # The chosen voice, fixed: an ``auto`` profile asked once for the batch, not per article.
    fixed = replace(options, profile=replace(profile, settings=choice.settings))
    return choice, fixed


def run(
    sources: Sequence[str],
    options: pipeline.BuildOptions,
    observer: Observer | None = None,
    *,
    speaker: Speaker | None = None,
) -> Summary:
    """Build every article of ``sources`` into ``options.output`` (see the module docstring).

    A problem with the batch as a whole (a bad option, profile or feed.json, an unusable
    output folder) raises before any article; a problem with one article is its item's."""
    began = time.monotonic()
    observer = observer or Observer()
    if options.lexicon is not None and not options.lexicon.is_file():
        raise ConfigError(f"{options.lexicon}: no such lexicon file")
    if options.replace is not None:
        raise ConfigError("a batch cannot --replace one episode; build that article alone")
    Store(options.output).settings(replacing=options.replacing)  # a bad feed.json: exit 2 now
    choice, fixed = resolve_voice(options)
    observer.note(f"voice: {choice.engine.describe()} ({choice.settings.engine}; {choice.reason})")
    store = pipeline.sentence_store(fixed)
    if speaker is not None and store is None:
        raise ConfigError("--cluster speaks into the sentence cache: drop --no-cache")
    if speaker is not None and store is not None:
        speaker.check_store(store)
    from audiobook.text.lexicon import load_lexicon

    lexicon = load_lexicon(fixed.lexicon)
    manifest = Manifest(fixed.output)
    # Read once: what this batch publishes itself is never up to date before it is built.
    records = Store(fixed.output).episodes()
    retry = fixed.retry_policy()

    def plan(source: str) -> _Plan:
        item = _Plan(source, time.monotonic())
        try:
            item.prepared = pipeline.prepare(source, fixed.clean)
            segments = _script(item.prepared, choice.engine, lexicon)
            keys = [cache_key(choice.engine, s.spoken_text) for s in segments]
            item.article = pipeline.article_key(item.prepared.document)
            item.digest = content_hash(item.prepared, segments, keys, fixed)
        except Exception as exc:  # ours too (a bug): the article's failure, not the batch's
            item.error = exc
            return item
        item.done = manifest.up_to_date(item.article, item.digest, records)
        if item.done is not None:
            return item
        if speaker is None or store is None:
            observer.planned(source, len(segments), 0)
            return item
        todo: dict[str, Segment] = {}
        for key, seg in zip(keys, segments, strict=True):
            if key not in todo and not store.has(key):
                todo[key] = seg
        unique = len(set(keys))
        observer.planned(source, unique, unique - len(todo))
        for chunk in _chunks(list(todo.values()), CHUNK_CHARS):
            future = speaker.speak(choice.settings, chunk, store, retry, fixed.concurrency)
            n = len(chunk)
            future.add_done_callback(lambda f, n=n: _count(f, n, observer))
            item.futures.append(future)
        return item

    def finish(item: _Plan) -> ItemResult:
        def failed(exc: BaseException) -> ItemResult:
            code = exc.exit_code if isinstance(exc, AudiobookError) else 70
            text = (
                str(exc)
                if isinstance(exc, AudiobookError)
                else f"unexpected {type(exc).__name__}: {exc}"
            )
            return ItemResult(item.source, "failed", error=text, exit_code=code,
                              seconds=time.monotonic() - item.started)  # fmt: skip

        if item.error is not None:
            return failed(item.error)
        if item.done is not None:
            return ItemResult(item.source, "skipped", episode=_episode(item.done, fixed.output),
                              seconds=time.monotonic() - item.started)  # fmt: skip
        for future in item.futures:
            try:
                future.result()
            except AudiobookError as exc:
                if fixed.fallback is None:  # with one, the build below speaks it offline
                    speaker_cancel(item.futures)
                    return failed(exc)
            except Exception as exc:  # the cluster lost it (KilledWorker, a closed scheduler)
                speaker_cancel(item.futures)
                return failed(EngineError(f"{item.source}: the cluster could not speak it ({exc})"))
        assert item.prepared is not None
        reporter = _BuildReporter(observer, count_spoken=speaker is None)
        try:
            result = pipeline.build(item.source, fixed, reporter, prepared=item.prepared)
            manifest.record(item.article, item.digest, result.record)
        except AudiobookError as exc:
            return failed(exc)
        except Exception as exc:  # our bug: reported with the article, the batch goes on
            return failed(exc)
        return ItemResult(item.source, "built", episode=_episode(result.record, fixed.output),
                          seconds=time.monotonic() - item.started)  # fmt: skip

    def speaker_cancel(futures: Sequence[Any]) -> None:
        if speaker is not None:
            speaker.cancel(futures)

    # Plan ahead only as far as the cluster can use (each plan holds an article's text):
    # memory stays that of a few articles however long the batch.
    ahead = 1 if speaker is None else max(2, 2 * speaker.slots)
    items: list[ItemResult] = []
    pending: deque[_Plan] = deque()
    queue: Iterator[str] = iter(dict.fromkeys(sources))  # an article named twice: once
    voice_failures: list[ItemResult] = []  # the voice's failures since it last spoke an article
    try:
        while True:
            if len(voice_failures) >= VOICE_FAILURES_TO_STOP:
                # The voice is down, not one article's: the rest are not tried (a re-run
                # tries them), rather than each waiting out the retries in turn.
                for left in [*pending, *(_Plan(s, time.monotonic()) for s in queue)]:
                    speaker_cancel(left.futures)
                    if left.done is not None or left.error is not None:  # no voice needed
                        items.append(finish(left))
                        observer.finished(items[-1])
                        continue
                    not_tried = ItemResult(
                        left.source, "failed", exit_code=EngineError.exit_code,
                        error=f"{left.source}: not tried: the voice failed for the "
                        f"{len(voice_failures)} articles before it ({voice_failures[-1].error})",
                    )  # fmt: skip
                    items.append(not_tried)
                    observer.finished(not_tried)
                pending.clear()
                break
            while len(pending) < ahead:
                source = next(queue, None)
                if source is None:
                    break
                pending.append(plan(source))
            if not pending:
                break
            result = finish(pending.popleft())
            items.append(result)
            observer.finished(result)
            if result.status == "built":
                voice_failures.clear()
            elif result.exit_code == EngineError.exit_code:
                voice_failures.append(result)
    finally:
        for left in pending:  # interrupted: nothing more is spoken for articles not built
            speaker_cancel(left.futures)
    return Summary(tuple(items), Store(fixed.output).feed_path, time.monotonic() - began)


def _count(future: Any, n: int, observer: Observer) -> None:
    with contextlib.suppress(Exception):
        if not future.cancelled() and future.exception() is None:
            observer.spoken(n)


def _episode(record: EpisodeRecord, output: Path) -> dict[str, Any]:
    return {
        "id": record.id,
        "mp3": str(output / record.mp3),
        "title": record.title,
        "duration_s": record.duration_s,
        "chapters": len(record.chapters),
    }


def _script(prepared: pipeline.Prepared, engine: Engine, lexicon: Any) -> tuple[Segment, ...]:
    from audiobook.text.script import script

    return script(
        prepared.article,
        normalise=engine.needs_normalised_text,
        max_chars=engine.max_chars,
        lexicon=lexicon,
    )


def _chunks(segments: Sequence[Segment], max_chars: int) -> Iterator[list[Segment]]:
    """``segments`` in runs of at most ``max_chars`` characters of spoken text (a longer
    sentence alone)."""
    chunk: list[Segment] = []
    size = 0
    for seg in segments:
        if chunk and size + len(seg.spoken_text) > max_chars:
            yield chunk
            chunk, size = [], 0
        chunk.append(seg)
        size += len(seg.spoken_text)
    if chunk:
        yield chunk
