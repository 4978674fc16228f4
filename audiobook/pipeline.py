"""The one place that knows the order of the stages.

``prepare`` runs the pure text front end (read → clean → convert → structure); ``build``
adds the I/O edges (speak → assemble → publish). The CLI only parses options, calls these and
renders progress and errors; scripts can call them directly.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import threading
import unicodedata
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from audiobook import engines, profiles
from audiobook.audio import Assembled, assemble, ffmpeg_exe
from audiobook.engines.base import Engine
from audiobook.errors import ConfigError, InputError, PublishError
from audiobook.models import Article, Cleaned, Document, Episode, Segment
from audiobook.paths import cache_root
from audiobook.publish import id3, site
from audiobook.publish.chapters import chapters_json
from audiobook.publish.cover import check_cover, ensure_cover, stage_cover
from audiobook.publish.feed import xml_text
from audiobook.publish.store import DISK_ERRNOS, EpisodeRecord, FeedSettings, Store, disk_error
from audiobook.publish.store import staging as stage_folder
from audiobook.publish.transcript import write_srt, write_vtt
from audiobook.publish.urls import public_url
from audiobook.synth import (
    Fallback,
    FallbackUse,
    RetryPolicy,
    SegmentCache,
    SentenceStore,
    synthesize_iter,
)
from audiobook.text.convert import DEFAULT_PROFILE as DEFAULT_CONVERSION

LEAD_TITLE_MAX = 40


@dataclass(frozen=True)
class CleanOptions:
    keep: Collection[str] = ()
    drop: Collection[str] = ()
    keywords: Collection[str] = ()
    keyword_file: Path | None = None
    conversion: str = DEFAULT_CONVERSION


@dataclass(frozen=True)
class Prepared:
    """The text front end's result, with the cleaning record kept for ``--diff`` and builds."""

    document: Document
    cleaned: Cleaned
    article: Article
    #: An edition's record (its articles, each with its own removals and link, and any
    #: skipped); published in the build record and the episode's show notes.
    edition: dict[str, Any] | None = None


@dataclass(frozen=True)
class BuildOptions:
    output: Path = Path("output")
    profile: str = profiles.DEFAULT_PROFILE
    engine: str | None = None
    voice: str | None = None
    rate: str | None = None
    pitch: str | None = None
    volume: str | None = None
    concurrency: int | None = None
    base_url: str | None = None
    title: str | None = None
    lexicon: Path | None = None
    #: Also write a DAISY 2.02 talking book (and its zip) beside the episode.
    daisy: bool = False
    #: Also write an EPUB 3 read-along book (text synchronised with the audio) beside it.
    epub: bool = False
    #: Also write an M4B audiobook (AAC from the same PCM, chapters, cover, tags) beside it.
    m4b: bool = False
    #: Show artwork to publish with this build (square RGB JPEG/PNG, 1400–3000 px); it
    #: becomes the feed's cover setting, as ``audiobook feed set cover`` would make it.
    cover: Path | None = None
    #: Replace this episode (id or guid) with the build, even if it is another article.
    #: Without it, a rebuild of the same article replaces its episode and any other article
    #: is a new episode, whatever its title.
    replace: str | None = None
    #: Reuse segment audio from earlier builds (content-addressed by engine, voice and text).
    cache: bool = True
    cache_dir: Path | None = None
    clean: CleanOptions = field(default_factory=CleanOptions)
    #: Give up on the network voice when nothing has been spoken for this long (seconds;
    #: default: $AUDIOBOOK_GIVE_UP_AFTER, else 120). See audiobook.synth.RetryPolicy.
    give_up_after_s: float | None = None
    #: An offline engine (``espeak``) that speaks, in its voice, a sentence the network
    #: voice could not within the budget; the build record, --json and transcripts say which.
    fallback: str | None = None
    #: The retry policy itself, for tests and scripts (overrides ``give_up_after_s``).
    retry: RetryPolicy | None = None

    def __post_init__(self) -> None:
        # Checked where the options are made, so a bad URL is refused before any work, by
        # the one check feed init/set and feed.json use (audiobook.publish.urls).
        if self.base_url is not None:
            object.__setattr__(self, "base_url", public_url("base_url", self.base_url))
        if self.fallback is not None and self.fallback not in engines.OFFLINE_ENGINES:
            raise ConfigError(
                f"--fallback must name an offline engine ({', '.join(engines.OFFLINE_ENGINES)}),"
                f" not {self.fallback!r}"
            )
        if self.give_up_after_s is not None:
            RetryPolicy.from_setting(self.give_up_after_s)  # a bad budget: exit 2 now

    def retry_policy(self) -> RetryPolicy:
        """The retry policy of this build (reads $AUDIOBOOK_GIVE_UP_AFTER when no budget is
        given: at build time, not when the options are made)."""
        return self.retry or RetryPolicy.from_setting(self.give_up_after_s)

    @property
    def replacing(self) -> tuple[str, ...]:
        """Feed settings this build sets anew (unchecked when feed.json is read)."""
        return ("base_url",) if self.base_url is not None else ()


@dataclass(frozen=True)
class BuildResult:
    episode: Episode
    feed: Path
    record: EpisodeRecord
    #: Sentences spoken by the fallback voice (``--fallback``), in order; empty otherwise.
    fallback: tuple[FallbackUse, ...] = ()


class Reporter:
    """What a build tells its caller as it goes; the CLI renders it (rich, or nothing)."""

    def note(self, message: str) -> None:
        """A one-line status message (the chosen engine, the output path...)."""

    def start_speaking(self, segments: Sequence[Segment]) -> None:
        """Synthesis of these segments begins."""

    def spoke(self, segment: Segment) -> None:
        """One segment is done (from the cache or the engine)."""

    def encoded(self, segment: Segment) -> None:
        """One segment's speech has gone into the encoder, in order. Speech runs ahead of the
        encoder (an article is spoken in a second, then encoded for a few more), so this is
        the second half of a truthful progress report."""


def prepare(source: str | Path, options: CleanOptions = CleanOptions()) -> Prepared:
    """Read and clean an article and convert and structure it (pure after the read)."""
    # The front end is imported on first use: cleaning brings jieba, which a book build's
    # main process never needs (its front end runs in a child, see _front_end).
    from audiobook.inputs import load
    from audiobook.text.clean import clean
    from audiobook.text.convert import convert
    from audiobook.text.structure import structure

    document = load(source)
    cleaned = clean(
        document.text,
        keep=options.keep,
        drop=options.drop,
        extra_keywords=options.keywords,
        keyword_file=options.keyword_file,
    )
    if document.removals:  # what reading left out (a page's furniture), on the same record
        cleaned = Cleaned(cleaned.text, document.removals + cleaned.removals)
    article = structure(convert(cleaned.text, options.conversion))
    return Prepared(document, cleaned, article)


#: Inputs at least this large (longer than a news article: about 5,000 characters, twenty
#: minutes of speech) are prepared in a child process. In-process, the text models (about
#: 200 MB) would sit beside the synthesis pool and the encoder: a half-hour text peaked at
#: 318 MB that way, against 245 MB for a ten-hour book through the child.
ISOLATE_BYTES = 16 * 1024


def _isolate(source: str | Path) -> bool:
    """Is ``source`` a book-sized file, whose front end should run in a child process?"""
    path = Path(source)
    try:
        return str(source) != "-" and path.is_file() and path.stat().st_size >= ISOLATE_BYTES
    except OSError:
        return False


def _front_end(
    source: str | Path,
    options: CleanOptions,
    normalise: bool,
    max_chars: int,
    lexicon: Path | None,
) -> tuple[Prepared, tuple[Segment, ...]]:
    """:func:`prepare` and the script, in a ``spawn`` child for a book (see :func:`build`)."""
    prepared = prepare(source, options)
    # Cleaning's dictionary and language models are done with: hand their memory back to
    # the allocator before the script builds the segments, so the child's peak is the
    # larger of the two stages, not their sum.
    from audiobook.text.analysis import release_models

    release_models()
    return prepared, _script(prepared.article, normalise, max_chars, lexicon)


def _front_end_in_child(
    source: str | Path, options: CleanOptions, engine: Engine, lexicon: Path | None
) -> tuple[Prepared, tuple[Segment, ...]]:
    """:func:`_front_end` in a short-lived child process.

    The dictionaries are memory-mapped (:mod:`audiobook.text.wordstore`), but a book's text,
    the per-document statistics of cleaning and the script's segments are Python objects,
    and Python never hands such memory back to the OS. For an article that is a moment's
    work; for a book it would sit beside hours of synthesis and encoding, so a ``spawn``
    child does all of it and returns only the result (the text and its segments: small
    frozen dataclasses). The main process stays at the size of the audio and publishing code
    until it publishes.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from audiobook.parallel import bare_main, stop_workers

    spawn = multiprocessing.get_context("spawn")
    args = (source, options, engine.needs_normalised_text, engine.max_chars, lexicon)
    with bare_main(), ProcessPoolExecutor(1, mp_context=spawn) as pool:
        try:
            return pool.submit(_front_end, *args).result()
        except BaseException:
            stop_workers(pool)  # interrupted: the child stops too, not minutes later
            raise


#: A title longer than this is cut (with …): podcast apps show a line or two, and a title is
#: repeated in the feed, the page, the ID3 tags and the DAISY edition.
TITLE_MAX = 200
#: Terminal escape sequences (CSI such as ``\x1b[31m``, OSC, two-character escapes).
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


def clean_title(text: str) -> str:
    """A title fit to publish: terminal escapes and control characters (C0, DEL, C1) gone,
    white space collapsed, at most :data:`TITLE_MAX` characters."""
    text = _ESCAPES.sub("", text)
    text = "".join(
        (" " if c.isspace() else "") if unicodedata.category(c) == "Cc" else c for c in text
    )
    text = " ".join(text.split())
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1].rstrip() + "…"


def episode_title(prepared: Prepared, override: str | None = None) -> str:
    """The title a listener sees: given, the article's own, or the lead's first sentence."""
    if override and clean_title(override):
        return clean_title(override)
    if prepared.article.title and clean_title(prepared.article.title):
        return clean_title(prepared.article.title)
    for section in prepared.article.sections:
        for paragraph in section.paragraphs:
            first = paragraph.strip()
            if first:
                for stop in "。！？!?":
                    first = first.split(stop)[0]
                first = clean_title(first)
                return first[:LEAD_TITLE_MAX] + ("…" if len(first) > LEAD_TITLE_MAX else "")
    return Path(prepared.document.source).stem


def build(
    source: str | Path,
    options: BuildOptions = BuildOptions(),
    reporter: Reporter | None = None,
    *,
    prepared: Prepared | None = None,
) -> BuildResult:
    """Article in, episode and updated feed out; on any failure nothing published changes.

    ``prepared``: a text front end's result made elsewhere (an edition of many articles,
    see :mod:`audiobook.edition`), spoken and published as an article's would be."""
    report = reporter or Reporter()
    if options.cover is not None:
        check_cover(options.cover)  # before anything else: a wrong image is refused at once
    if options.lexicon is not None and not options.lexicon.is_file():
        raise ConfigError(f"{options.lexicon}: no such lexicon file")
    # Voice settings are checked (profiles.Profile) before the text is even read: a bad
    # value is the user's to fix at once, whichever engine would have spoken it.
    profile = profiles.with_overrides(
        profiles.load(options.profile),
        engine=options.engine,
        voice=options.voice,
        rate=options.rate,
        pitch=options.pitch,
        volume=options.volume,
    )
    retry = options.retry_policy()  # a bad $AUDIOBOOK_GIVE_UP_AFTER: exit 2 now
    # An article is prepared first, so a bad input fails before the engine is chosen (which
    # may wait on the network); a book's whole front end runs in a child, which needs the
    # engine's text settings, so its engine is chosen first.
    threading.Thread(target=_find_ffmpeg, name="find-ffmpeg", daemon=True).start()
    book = prepared is None and _isolate(source)
    if prepared is None and not book:
        prepared = prepare(source, options.clean)
    _check_output(options.output)
    Store(options.output).settings(replacing=options.replacing)  # a bad feed.json: exit 2 now
    if options.replace is not None:  # before minutes of speech, and again when publishing
        _replaced(Store(options.output), options.replace, Store(options.output).episodes())
    choice = engines.choose(profile, concurrency=options.concurrency)
    report.note(f"voice: {choice.engine.describe()} ({choice.settings.engine}; {choice.reason})")
    fallback = _fallback(options.fallback, profile, choice, report)
    if choice.settings.engine == "edge":
        from audiobook.engines.edge import check_voice

        check_voice(choice.engine.describe(), cache_dir=cache_root())
    if prepared is None:
        prepared, segments = _front_end_in_child(
            source, options.clean, choice.engine, options.lexicon
        )
    else:
        segments = _segments(prepared.article, choice.engine, options.lexicon)
    _check_size(prepared.document.source, segments, options.output)
    title = episode_title(prepared, options.title)
    cache = sentence_store(options)
    store = Store(options.output)
    stage = contextlib.ExitStack()
    try:
        staging = stage.enter_context(stage_folder(options.output))
    except OSError as exc:
        raise disk_error(options.output, exc) from exc
    with stage:
        result = _speak_and_publish(
            staging, store, prepared, segments, title, choice, cache, options, report,
            retry, fallback,
        )  # fmt: skip
    return result


def sentence_store(options: BuildOptions) -> SentenceStore | None:
    """The sentence cache a build with ``options`` reads and fills (None with ``--no-cache``):
    ``options.cache_dir``, else the user's cache. ``audiobook batch --cluster`` hands the
    same store to its workers, so the build that follows them finds every sentence there."""
    if not options.cache:
        return None
    return SegmentCache(options.cache_dir or cache_root() / "segments")


def _speak_and_publish(
    staging: Path,
    store: Store,
    prepared: Prepared,
    segments: tuple[Segment, ...],
    title: str,
    choice: engines.Choice,
    cache: SentenceStore | None,
    options: BuildOptions,
    report: Reporter,
    retry: RetryPolicy,
    fallback: Fallback | None,
) -> BuildResult:
    """Speak, encode into ``staging`` and publish."""
    try:
        staged_mp3 = staging / "episode.mp3"
        titles = [s.title for s in prepared.article.sections]
        report.start_speaking(segments)
        # Streamed: each segment's speech goes to the assembler as it is ready, so a book
        # never sits in memory, and a failure part-way still publishes nothing.
        speeches = synthesize_iter(
            choice.engine, choice.settings, segments, cache=cache, on_done=report.spoke,
            retry=retry, fallback=fallback,
        )  # fmt: skip
        with contextlib.closing(speeches):
            levels = [s.level for s in prepared.article.sections]
            assembled = assemble(
                speeches, segments, titles, staged_mp3, section_levels=levels,
                on_assembled=report.encoded,
                aac_out=staging / STAGED_AAC if options.m4b else None,
            )  # fmt: skip
        result = _publish(
            store, staging, prepared, title, choice, assembled, options, report, fallback
        )
    except OSError as exc:
        # Staging is in the output folder: a full or read-only disk shows here first.
        if exc.errno not in DISK_ERRNOS:
            raise
        raise disk_error(options.output, exc) from exc
    return result


#: The most characters one build speaks: about 53 hours of speech, a long audiobook. A
#: larger text (a 5 MB article is some 108 hours and 17 GB of audio spool) is refused before
#: any speech, to be split into parts.
MAX_SPOKEN_CHARS = 1_000_000
#: Mandarin read aloud, at the slower of the voices: the seed takes 0.26 s a character with
#: espeak-ng (the edge voices about 0.19), pauses included.
SECONDS_PER_CHAR = 0.27
#: Disk a second of speech takes while building: the PCM spool (16-bit mono at up to 24 kHz)
#: and the MP3 (64 kbit/s), both in the output folder's staging.
DISK_BYTES_PER_SECOND = 24_000 * 2 + 64_000 // 8
#: Room kept free beyond the estimate (the store, the page, other files).
DISK_MARGIN_BYTES = 64 * 1024 * 1024


def _check_size(source: str, segments: Sequence[Segment], output: Path) -> None:
    """Refuse, before any speech, a text longer than :data:`MAX_SPOKEN_CHARS`, and one whose
    audio would not fit on the output folder's disk (exit 4, one line) — not hours later."""
    chars = sum(len(s.display_text) for s in segments)
    hours = chars * SECONDS_PER_CHAR / 3600
    if chars > MAX_SPOKEN_CHARS:
        limit = MAX_SPOKEN_CHARS * SECONDS_PER_CHAR / 3600
        raise InputError(
            f"{source}: {chars:,} characters to speak (about {hours:.0f} hours); a build speaks "
            f"at most {MAX_SPOKEN_CHARS:,} (about {limit:.0f} hours): split it into parts"
        )
    needed = int(chars * SECONDS_PER_CHAR * DISK_BYTES_PER_SECOND) + DISK_MARGIN_BYTES
    existing = output
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        free = shutil.disk_usage(existing).free
    except OSError:
        return
    if free < needed:
        raise PublishError(
            f"{output}: about {_size(needed)} free needed for {_duration(hours)} of audio, "
            f"{_size(free)} free"
        )


def _duration(hours: float) -> str:
    return f"{hours:.1f} hours" if hours >= 1 else f"{hours * 60:.0f} minutes"


def _size(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def _fallback(
    name: str | None, profile: profiles.Profile, choice: engines.Choice, report: Reporter
) -> Fallback | None:
    """The offline voice that may speak what the chosen engine cannot (``--fallback``), made
    before any speech so a wrong setting fails first; None when not asked for, or when the
    chosen engine is itself offline."""
    if name is None:
        return None
    if choice.settings.engine in engines.OFFLINE_ENGINES:
        report.note(f"fallback: not needed, {choice.engine.describe()} is an offline voice")
        return None
    settings = profile.offline_settings(name)
    return Fallback(engines.create(settings), settings)


def _find_ffmpeg() -> None:
    """Finding ffmpeg runs it once (``-version``): let that happen beside the front end. A
    missing ffmpeg is reported where the encode needs it, with one line, not from here."""
    with contextlib.suppress(Exception):
        ffmpeg_exe()


def _check_output(folder: Path) -> None:
    """Refuse an unusable output folder before minutes of synthesis, not after — without
    creating it: a build that fails before it publishes leaves no trace (the folder is made
    when its staging is)."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise PublishError(f"{folder}: cannot write episodes here ({existing} is not a folder)")
    if not os.access(existing, os.W_OK | os.X_OK):
        why = "read-only file system" if _read_only(existing) else "permission denied"
        raise PublishError(f"{folder}: cannot write episodes here ({why})")


def _read_only(folder: Path) -> bool:
    with contextlib.suppress(OSError, AttributeError):
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    return False


def make_daisy(output: Path, episode: str) -> Path:
    """Write the DAISY 2.02 edition of a published episode (by id or MP3 path); return its zip."""
    store = Store(output)
    wanted = Path(episode).name
    with store.locked():
        records = store.episodes()
        record = next(
            (r for r in records if wanted in (r.id, Path(r.mp3).name, Path(r.mp3).stem)), None
        )
        if record is None:
            known = ", ".join(r.id for r in records) or "none"
            raise PublishError(f"no episode {episode!r} in {output} (episodes: {known})")
        author = store.settings().author
        from audiobook.publish.daisy import daisy_paths

        if not set(daisy_paths(record.mp3)) & set(record.files.values()):
            # New files: listed first, so a kill before they are recorded takes them back.
            store.intend(list(daisy_paths(record.mp3)))
        files, _, zipped = _write_daisy(record, author, output / record.mp3, store.inside)
        # Recorded in the episode (so feed remove deletes it) and offered on the web page.
        site.attach_files(store, record.id, files)
        return zipped


def _write_daisy(
    record: EpisodeRecord, publisher: str, mp3: Path, place: Callable[[str], Path]
) -> tuple[dict[str, str], Path, Path]:
    """The DAISY edition of ``record``'s episode (its audio: ``mp3``), the fileset written
    where ``place`` puts its published name. Returns the record's ``files`` entries for it,
    the fileset and its zip."""
    from audiobook.publish.daisy import book_from_record, daisy_paths, write_daisy

    folder, archive = daisy_paths(record.mp3)
    fileset = place(folder)
    zipped = write_daisy(book_from_record(record, publisher=publisher), mp3, fileset)
    return dict(zip(site.DAISY_KEYS, (folder, archive), strict=True)), fileset, zipped


def _find_episode(store: Store, episode: str) -> EpisodeRecord:
    """A published episode by id or MP3 name/path, or a one-line error naming the others."""
    wanted = Path(episode).name
    records = store.episodes()
    record = next(
        (r for r in records if wanted in (r.id, Path(r.mp3).name, Path(r.mp3).stem)), None
    )
    if record is None:
        known = ", ".join(r.id for r in records) or "none"
        raise PublishError(f"no episode {episode!r} in {store.root} (episodes: {known})")
    return record


def make_epub(output: Path, episode: str) -> Path:
    """Write the EPUB 3 read-along book of a published episode (by id or MP3 path); return
    its path. Recorded in the episode (so ``feed remove`` deletes it) and offered on the page."""
    from audiobook.publish.epub import epub_path

    store = Store(output)
    with store.locked():
        record = _find_episode(store, episode)
        settings = store.settings()
        name = epub_path(record.mp3)
        if name not in record.files.values():
            # A new file: listed first, so a kill before it is recorded takes it back.
            store.intend([name])
        cover = ensure_cover(store.root, settings.title, settings.author, settings.cover)
        files, path = _write_epub(
            record, settings.author, output / record.mp3, store.root / cover, store.inside
        )
        site.attach_files(store, record.id, files)
        return path


def _write_epub(
    record: EpisodeRecord,
    publisher: str,
    mp3: Path,
    cover: Path | None,
    place: Callable[[str], Path],
) -> tuple[dict[str, str], Path]:
    """The EPUB of ``record``'s episode (its audio: ``mp3``), written where ``place`` puts
    its published name. Returns the record's ``files`` entry for it and the file."""
    from audiobook.publish.daisy import book_from_record
    from audiobook.publish.epub import epub_path, write_epub

    name = epub_path(record.mp3)
    book = book_from_record(record, publisher=publisher, language=EPUB_LANGUAGE)
    # The feed's artwork is checked JPEG or PNG (EPUB core media types); anything else the
    # user set by hand is left out rather than making an invalid book.
    usable = cover if cover is not None and cover.suffix.lower() in _EPUB_COVERS else None
    path = write_epub(book, mp3, place(name), usable, record.updated or record.pub_date)
    return {"epub": name}, path


#: The AAC encode of the episode's PCM (``build --m4b``), in the staging folder.
STAGED_AAC = "episode.aac.mp4"


def make_m4b(output: Path, episode: str) -> Path:
    """Write the M4B audiobook of a published episode (by id or MP3 path); return its path.

    The episode's PCM is gone once it is built, so this decodes its MP3 (priming and padding
    cut, so the chapters still fall on the same samples) and encodes that as AAC: a
    transcode, unlike ``build --m4b``, which encodes the PCM itself."""
    from audiobook.audio import encode_aac, read_gapless
    from audiobook.publish.m4b import m4b_path

    store = Store(output)
    with store.locked():
        record = _find_episode(store, episode)
        settings = store.settings()
        mp3 = store.inside(record.mp3)
        gapless = read_gapless(mp3)
        if gapless is None:
            raise PublishError(f"{mp3}: no gapless record (iTunSMPB); rebuild with --m4b")
        name = m4b_path(record.mp3)
        if name not in record.files.values():
            store.intend([name])  # listed first: a kill before it is recorded takes it back
        cover = store.root / ensure_cover(
            store.root, settings.title, settings.author, settings.cover
        )
        with stage_folder(output) as staging:
            aac = staging / STAGED_AAC
            encode_aac(mp3, aac, 0, None, gapless=gapless)
            _, path = _write_m4b(record, settings, aac, cover, store.inside)
        site.attach_files(store, record.id, {"m4b": name})
        return path


def _write_m4b(
    record: EpisodeRecord,
    settings: FeedSettings,
    aac: Path,
    cover: Path | None,
    place: Callable[[str], Path],
) -> tuple[str, Path]:
    """The M4B of ``record``'s episode from its AAC encode ``aac``, written where ``place``
    puts its published name; returns that name and the file."""
    from audiobook.publish.m4b import Tags, m4b_path, write_m4b

    name = m4b_path(record.mp3)
    chapters = [
        (str(c["title"]), float(c["start_s"]), float(c["end_s"]))  # type: ignore[arg-type]
        for c in record.chapters
    ]
    if chapters:
        # A QuickTime chapter track tiles its track from 0, so its first chapter starts at
        # 0 whatever it is told; the Nero list is told the same, so both agree. That moves
        # only the first start, over the lead-in silence before the first word.
        chapters[0] = (chapters[0][0], 0.0, chapters[0][2])
    tags = Tags(
        title=record.title,
        author=record.byline or settings.author,
        album=settings.title,
        year=record.pub_date[:4],
    )
    usable = cover if cover is not None and cover.suffix.lower() in _EPUB_COVERS else None
    return name, write_m4b(aac, place(name), chapters, tags, usable)


#: The EPUB's language tag: the text is converted to Simplified Chinese (script subtag, so a
#: reading system picks a Simplified font and voice).
EPUB_LANGUAGE = "zh-Hans"
_EPUB_COVERS = (".jpg", ".jpeg", ".png")


def _segments(article: Article, engine: Engine, lexicon_path: Path | None) -> tuple[Segment, ...]:
    return _script(article, engine.needs_normalised_text, engine.max_chars, lexicon_path)


def _script(
    article: Article, normalise: bool, max_chars: int, lexicon_path: Path | None
) -> tuple[Segment, ...]:
    from audiobook.text.lexicon import load_lexicon
    from audiobook.text.script import script

    return script(
        article, normalise=normalise, max_chars=max_chars, lexicon=load_lexicon(lexicon_path)
    )


def _publish(
    store: Store,
    staging: Path,
    prepared: Prepared,
    title: str,
    choice: engines.Choice,
    assembled: Assembled,
    options: BuildOptions,
    report: Reporter,
    fallback: Fallback | None = None,
) -> BuildResult:
    """Stage every file of the episode, then publish under the folder's lock (see
    :mod:`audiobook.publish.site` for the write order that keeps readers and failures safe)."""
    used = tuple(fallback.used) if fallback is not None else ()
    title = clean_title(xml_text(title)) or Path(prepared.document.source).stem
    staged_mp3 = staging / "episode.mp3"
    chapters = [asdict(c) for c in assembled.chapters]
    cues = [{"text": c.text, "start_s": round(c.start_s, 3), "end_s": round(c.end_s, 3),
             **({"fallback": True} if c.fallback else {})}
            for c in assembled.cues]  # fmt: skip
    (staging / "chapters.json").write_bytes(
        chapters_json(chapters, title=title, paths=prepared.edition is not None)
    )
    transcripts = _stage_transcripts(staging, assembled)
    build_record = {
        "source": prepared.document.source,
        "encoding": prepared.document.encoding,
        # A fetched page's final address (after redirects): the episode's link in the feed.
        "link": prepared.document.link,
        "engine": choice.settings.engine,
        "voice": choice.engine.describe(),
        "engine_reason": choice.reason,
        "settings": asdict(choice.settings),
        "removals": [asdict(r) for r in prepared.cleaned.removals],
        "sections": [s.title for s in prepared.article.sections],
        **({"edition": prepared.edition} if prepared.edition else {}),
        # Measured on the finished MP3 (see audiobook.audio): what a listener will hear.
        "loudness": asdict(assembled.loudness) if assembled.loudness else None,
        # Editions asked for beside the MP3 (their files are in the episode's record).
        "editions": [k for k in ("daisy", "epub", "m4b") if getattr(options, k, False)],
        # --fallback: the offline voice and every sentence it spoke (null when not asked).
        "fallback": None
        if fallback is None
        else {
            "engine": fallback.settings.engine,
            "voice": fallback.engine.describe(),
            "sentences": [u.as_dict() for u in used],
        },
    }
    (staging / "build.json").write_text(
        json.dumps(build_record, ensure_ascii=False, indent=2) + "\n", "utf-8"
    )
    staged_cover = stage_cover(options.cover, staging) if options.cover is not None else None
    byline = prepared.article.byline
    with store.locked():
        settings = store.settings(replacing=options.replacing)
        if options.base_url is not None:
            settings.base_url = options.base_url
        if staged_cover is not None:
            settings.cover = staged_cover.name
        records = store.episodes()
        article = article_key(prepared.document)
        if options.replace is not None:
            previous = _replaced(store, options.replace, records)
        else:
            previous = next((r for r in records if _same_article(r, article, prepared)), None)
        episode_id = (
            previous.id
            if previous
            else site.episode_id(title, Path(prepared.document.source).stem, records)
        )
        now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        id3.write_tags(
            staged_mp3,
            title=title,
            artist=byline or settings.author,
            album=settings.title,
            date=prepared.edition["date"] if prepared.edition else now[:10],
            language=prepared.article.language,
            chapters=assembled.chapters,
        )
        # New names for this build's files: the published feed keeps naming the old ones
        # (if any) until the commit, and they are deleted after it (see site.commit).
        names = site.episode_files(episode_id, site.new_version())
        while any((options.output / name).exists() for name in names.values()):
            names = site.episode_files(episode_id, site.new_version())
        staged = {names["mp3"]: staged_mp3, names["chapters"]: staging / "chapters.json",
                  names["build"]: staging / "build.json"}  # fmt: skip
        for key, path in transcripts.items():
            staged[names[key]] = path
        files = {k: v for k, v in names.items() if v in staged}
        # The guid stays with the article: an app that has it fetches nothing new, so
        # another article put in an episode's place (--replace) gets a guid of its own.
        same = previous is not None and _same_article(previous, article, prepared)
        record = EpisodeRecord(
            id=episode_id,
            guid=previous.guid if previous and same else f"urn:uuid:{uuid.uuid4()}",
            title=title,
            mp3=names["mp3"],
            bytes=staged_mp3.stat().st_size,
            duration_s=round(assembled.duration_s, 3),
            pub_date=previous.pub_date if same else now,
            updated=now if same else None,
            engine=choice.settings.engine,
            voice=choice.engine.describe(),
            chapters=chapters,
            byline=byline,
            source=prepared.document.source,
            files=files,
            cues=cues,
            article=article,
            articles=list(prepared.edition["notes"]) if prepared.edition else [],
        )
        if options.daisy:
            # In the same commit as the episode: it is never published without the edition
            # asked for, and the page and feed are written once.
            daisy, fileset, zipped = _write_daisy(
                record, settings.author, staged_mp3, lambda name: staging / Path(name).name
            )
            record.files.update(daisy)
            staged.update({daisy["daisy"]: fileset, daisy["daisy_zip"]: zipped})
        if options.epub:
            cover_name = (
                staged_cover
                if staged_cover is not None
                else store.root
                / ensure_cover(store.root, settings.title, settings.author, settings.cover)
            )
            epub, epub_file = _write_epub(
                record, settings.author, staged_mp3, cover_name,
                lambda name: staging / Path(name).name,
            )  # fmt: skip
            record.files.update(epub)
            staged[epub["epub"]] = epub_file
        if options.m4b:
            m4b_cover = staged_cover or store.root / ensure_cover(
                store.root, settings.title, settings.author, settings.cover
            )
            m4b_name, m4b_file = _write_m4b(
                record, settings, staging / STAGED_AAC, m4b_cover,
                lambda name: staging / Path(name).name,
            )  # fmt: skip
            record.files["m4b"] = m4b_name
            staged[m4b_name] = m4b_file
        records = [r for r in records if r.id != episode_id] + [record]
        # A rebuild's old files (an old DAISY edition of the previous audio too) go once the
        # feed names the new ones.
        obsolete = [previous.mp3, *previous.files.values()] if previous else []
        site.commit(
            store, settings, records, staged=staged, cover=staged_cover,
            save_settings=options.base_url is not None or staged_cover is not None,
            obsolete=obsolete,
        )  # fmt: skip
    report.note(f"episode: {options.output / names['mp3']}")
    if options.daisy:
        report.note(f"daisy: {options.output / record.files['daisy_zip']}")
    if options.epub:
        report.note(f"epub: {options.output / record.files['epub']}")
    if options.m4b:
        report.note(f"m4b: {options.output / record.files['m4b']}")
    episode = Episode(
        mp3=str(options.output / names["mp3"]),
        title=title,
        duration_s=record.duration_s,
        engine=record.engine,
        voice=record.voice,
        chapters=assembled.chapters,
        cues=assembled.cues,
        byline=byline,
        loudness=assembled.loudness,
    )
    return BuildResult(episode, store.feed_path, record, used)


def article_key(document: Document) -> str:
    """What makes two builds the same article: the same file (by its absolute path, so an
    edited article is still itself), or for stdin the same text."""
    if document.source == "<stdin>":
        return "sha256:" + hashlib.sha256(document.text.encode("utf-8")).hexdigest()
    return f"file:{Path(document.source).resolve()}"


def _same_article(record: EpisodeRecord, article: str, prepared: Prepared) -> bool:
    if record.article is not None:
        return record.article == article
    # Recorded before articles had keys: the same file as given (stdin is never the same).
    source = prepared.document.source
    return source != "<stdin>" and record.source == source


def _replaced(store: Store, episode: str, records: list[EpisodeRecord]) -> EpisodeRecord:
    """The episode ``--replace`` names (by id or guid), or a one-line error."""
    found = next((r for r in records if episode in (r.id, r.guid)), None)
    if found is None:
        known = ", ".join(r.id for r in records) or "none"
        raise ConfigError(f"--replace {episode}: no such episode in {store.root} ({known})")
    return found


def _stage_transcripts(staging: Path, assembled: Assembled) -> dict[str, Path]:
    """WebVTT and SRT beside the MP3, when there are cues."""
    if not assembled.cues:
        return {}
    out = {"vtt": staging / "episode.vtt", "srt": staging / "episode.srt"}
    write_vtt(assembled.cues, out["vtt"])
    write_srt(assembled.cues, out["srt"])
    return out
