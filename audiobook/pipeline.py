"""The one place that knows the order of the stages.

``prepare`` runs the pure text front end (read → clean → convert → structure); ``build``
adds the I/O edges (speak → assemble → publish). The CLI only parses options, calls these and
renders progress and errors; scripts can call them directly.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from audiobook import engines, profiles
from audiobook.audio import Assembled, assemble, ffmpeg_exe
from audiobook.engines.base import Engine
from audiobook.errors import PublishError
from audiobook.models import Article, Cleaned, Document, Episode, Segment
from audiobook.paths import cache_root
from audiobook.publish import id3, site
from audiobook.publish.chapters import chapters_json
from audiobook.publish.cover import check_cover, stage_cover
from audiobook.publish.feed import xml_text
from audiobook.publish.store import EpisodeRecord, Store
from audiobook.publish.transcript import write_srt, write_vtt
from audiobook.synth import SegmentCache, synthesize_iter
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
    #: Show artwork to publish with this build (square RGB JPEG/PNG, 1400–3000 px); it
    #: becomes the feed's cover setting, as ``audiobook feed set cover`` would make it.
    cover: Path | None = None
    #: Reuse segment audio from earlier builds (content-addressed by engine, voice and text).
    cache: bool = True
    cache_dir: Path | None = None
    clean: CleanOptions = field(default_factory=CleanOptions)


@dataclass(frozen=True)
class BuildResult:
    episode: Episode
    feed: Path
    record: EpisodeRecord


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

    from audiobook.parallel import _bare_main

    spawn = multiprocessing.get_context("spawn")
    args = (source, options, engine.needs_normalised_text, engine.max_chars, lexicon)
    with _bare_main(), ProcessPoolExecutor(1, mp_context=spawn) as pool:
        return pool.submit(_front_end, *args).result()


def episode_title(prepared: Prepared, override: str | None = None) -> str:
    """The title a listener sees: given, the article's own, or the lead's first sentence."""
    if override and override.strip():
        return " ".join(override.split())
    if prepared.article.title:
        return prepared.article.title
    for section in prepared.article.sections:
        for paragraph in section.paragraphs:
            first = paragraph.strip()
            if first:
                for stop in "。！？!?":
                    first = first.split(stop)[0]
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
    # An article is prepared first, so a bad input fails before the engine is chosen (which
    # may wait on the network); a book's whole front end runs in a child, which needs the
    # engine's text settings, so its engine is chosen first.
    threading.Thread(target=_find_ffmpeg, name="find-ffmpeg", daemon=True).start()
    book = prepared is None and _isolate(source)
    if prepared is None and not book:
        prepared = prepare(source, options.clean)
    _check_output(options.output)
    profile = profiles.with_overrides(
        profiles.load(options.profile),
        engine=options.engine,
        voice=options.voice,
        rate=options.rate,
        pitch=options.pitch,
        volume=options.volume,
    )
    choice = engines.choose(profile, concurrency=options.concurrency)
    report.note(f"voice: {choice.engine.describe()} ({choice.settings.engine}; {choice.reason})")
    if choice.settings.engine == "edge":
        from audiobook.engines.edge import check_voice

        check_voice(choice.engine.describe(), cache_dir=cache_root())
    if prepared is None:
        prepared, segments = _front_end_in_child(
            source, options.clean, choice.engine, options.lexicon
        )
    else:
        segments = _segments(prepared.article, choice.engine, options.lexicon)
    title = episode_title(prepared, options.title)
    cache_dir = options.cache_dir or cache_root() / "segments"
    cache = SegmentCache(cache_dir) if options.cache else None
    store = Store(options.output)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=options.output))
    try:
        staged_mp3 = staging / "episode.mp3"
        titles = [s.title for s in prepared.article.sections]
        report.start_speaking(segments)
        # Streamed: each segment's speech goes to the assembler as it is ready, so a book
        # never sits in memory, and a failure part-way still publishes nothing.
        speeches = synthesize_iter(
            choice.engine, choice.settings, segments, cache=cache, on_done=report.spoke
        )
        with contextlib.closing(speeches):
            levels = [s.level for s in prepared.article.sections]
            assembled = assemble(
                speeches, segments, titles, staged_mp3, section_levels=levels,
                on_assembled=report.encoded,
            )  # fmt: skip
        result = _publish(store, staging, prepared, title, choice, assembled, options, report)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result


def _find_ffmpeg() -> None:
    """Finding ffmpeg runs it once (``-version``): let that happen beside the front end. A
    missing ffmpeg is reported where the encode needs it, with one line, not from here."""
    with contextlib.suppress(Exception):
        ffmpeg_exe()


def _check_output(folder: Path) -> None:
    """Refuse an unusable output folder before minutes of synthesis, not after."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise PublishError(f"{folder}: cannot write episodes here ({exc.strerror or exc})") from exc


def make_daisy(output: Path, episode: str) -> Path:
    """Write the DAISY 2.02 edition of a published episode (by id or MP3 path); return its zip."""
    store = Store(output)
    wanted = Path(episode).name.removesuffix(".mp3")
    with store.locked():
        records = store.episodes()
        record = next((r for r in records if r.id == wanted), None)
        if record is None:
            known = ", ".join(r.id for r in records) or "none"
            raise PublishError(f"no episode {episode!r} in {output} (episodes: {known})")
        author = store.settings().author
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
) -> BuildResult:
    """Stage every file of the episode, then publish under the folder's lock (see
    :mod:`audiobook.publish.site` for the write order that keeps readers and failures safe)."""
    title = xml_text(title).strip() or Path(prepared.document.source).stem
    staged_mp3 = staging / "episode.mp3"
    chapters = [asdict(c) for c in assembled.chapters]
    cues = [{"text": c.text, "start_s": round(c.start_s, 3), "end_s": round(c.end_s, 3)}
            for c in assembled.cues]  # fmt: skip
    (staging / "chapters.json").write_bytes(chapters_json(chapters, title=title))
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
    }
    (staging / "build.json").write_text(
        json.dumps(build_record, ensure_ascii=False, indent=2) + "\n", "utf-8"
    )
    staged_cover = stage_cover(options.cover, staging) if options.cover is not None else None
    byline = prepared.article.byline
    with store.locked():
        settings = store.settings()
        if options.base_url is not None:
            settings.base_url = options.base_url
        if staged_cover is not None:
            settings.cover = staged_cover.name
        records = store.episodes()
        episode_id = site.episode_id(title, Path(prepared.document.source).stem, records)
        previous = next((r for r in records if r.id == episode_id), None)
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
        names = site.episode_files(episode_id)
        staged = {names["mp3"]: staged_mp3, names["chapters"]: staging / "chapters.json",
                  names["build"]: staging / "build.json"}  # fmt: skip
        for key, path in transcripts.items():
            staged[names[key]] = path
        files = {k: v for k, v in names.items() if v in staged}
        record = EpisodeRecord(
            id=episode_id,
            guid=previous.guid if previous else f"urn:uuid:{uuid.uuid4()}",
            title=title,
            mp3=names["mp3"],
            bytes=staged_mp3.stat().st_size,
            duration_s=round(assembled.duration_s, 3),
            pub_date=previous.pub_date if previous else now,
            updated=now if previous else None,
            engine=choice.settings.engine,
            voice=choice.engine.describe(),
            chapters=chapters,
            byline=byline,
            source=prepared.document.source,
            files=files,
            cues=cues,
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
        records = [r for r in records if r.id != episode_id] + [record]
        site.commit(
            store, settings, records, staged=staged, cover=staged_cover,
            save_settings=options.base_url is not None or staged_cover is not None,
        )  # fmt: skip
        # A rebuild without transcripts must not leave the old ones linked from nowhere, nor
        # an old DAISY edition of the previous audio (``--daisy`` replaced it in the commit).
        for key in ("vtt", "srt", *site.DAISY_KEYS):
            if previous and key in previous.files and key not in record.files:
                site.delete_files([store.inside(previous.files[key])])
    report.note(f"episode: {options.output / names['mp3']}")
    if options.daisy:
        report.note(f"daisy: {options.output / record.files['daisy_zip']}")
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
    return BuildResult(episode, store.feed_path, record)


def _stage_transcripts(staging: Path, assembled: Assembled) -> dict[str, Path]:
    """WebVTT and SRT beside the MP3, when there are cues."""
    if not assembled.cues:
        return {}
    out = {"vtt": staging / "episode.vtt", "srt": staging / "episode.srt"}
    write_vtt(assembled.cues, out["vtt"])
    write_srt(assembled.cues, out["srt"])
    return out
