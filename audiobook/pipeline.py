"""The one place that knows the order of the stages.

``prepare`` runs the pure text front end (read → clean → convert → structure); ``build``
adds the I/O edges (speak → assemble → publish). The CLI only parses options, calls these and
renders progress and errors; scripts can call them directly.
"""

from __future__ import annotations

import contextlib
import re
import threading
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from audiobook import engines, profiles
from audiobook.audio import Assembled, assemble, ffmpeg_exe
from audiobook.engines.base import Engine
from audiobook.errors import ConfigError
from audiobook.limits import check_output, check_size
from audiobook.models import (
    Article,
    ArticleNote,
    Cleaned,
    Document,
    Episode,
    EpisodeRecord,
    Segment,
)
from audiobook.paths import cache_root
from audiobook.publish.cover import check_cover

# Publishing an episode that exists already (its editions) is publishing's own; a script
# finds it here with the build, as the CLI does.
from audiobook.publish.editions import STAGED_AAC, make_daisy, make_epub, make_m4b  # noqa: F401
from audiobook.publish.episode import (
    STAGED_MP3,
    NewEpisode,
    PublishOptions,
    article_key,
    publish,
    replaced,
)
from audiobook.publish.feed import xml_text
from audiobook.publish.store import DISK_ERRNOS, Store, disk_error
from audiobook.publish.store import staging as stage_folder
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
    #: The voice: a profile made already (``profiles.resolve``, flags applied), or a
    #: profile's name or path, read when the build starts.
    profile: str | profiles.Profile = profiles.DEFAULT_PROFILE
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
        return self.publishing().replacing

    def publishing(self) -> PublishOptions:
        """The options publishing reads (:mod:`audiobook.publish.episode`)."""
        return PublishOptions(
            output=self.output, base_url=self.base_url, cover=self.cover, replace=self.replace,
            daisy=self.daisy, epub=self.epub, m4b=self.m4b,
        )  # fmt: skip


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
    # Voice settings are checked (engines.base.VoiceSettings) before the text is even read: a
    # bad value is the user's to fix at once, whichever engine would have spoken it. The CLI
    # hands over a profile made already (flags applied); a script may name one.
    profile = options.profile
    if not isinstance(profile, profiles.Profile):
        profile = profiles.load(profile)
    retry = options.retry_policy()  # a bad $AUDIOBOOK_GIVE_UP_AFTER: exit 2 now
    # An article is prepared first, so a bad input fails before the engine is chosen (which
    # may wait on the network); a book's whole front end runs in a child, which needs the
    # engine's text settings, so its engine is chosen first.
    threading.Thread(target=_find_ffmpeg, name="find-ffmpeg", daemon=True).start()
    book = prepared is None and _isolate(source)
    if prepared is None and not book:
        prepared = prepare(source, options.clean)
    check_output(options.output)
    Store(options.output).settings(replacing=options.replacing)  # a bad feed.json: exit 2 now
    if options.replace is not None:  # before minutes of speech, and again when publishing
        replaced(Store(options.output), options.replace, Store(options.output).episodes())
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
    check_size(prepared.document.source, segments, options.output)
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
        staged_mp3 = staging / STAGED_MP3
        titles = [s.title for s in prepared.article.sections]
        report.start_speaking(segments)
        # Streamed: each segment's speech goes to the assembler as it is ready, so a book
        # never sits in memory, and a failure part-way still publishes nothing.
        speeches = synthesize_iter(
            choice.engine, segments, cache=cache, on_done=report.spoke,
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
    return Fallback(engines.create(settings))


def _find_ffmpeg() -> None:
    """Finding ffmpeg runs it once (``-version``): let that happen beside the front end. A
    missing ffmpeg is reported where the encode needs it, with one line, not from here."""
    with contextlib.suppress(Exception):
        ffmpeg_exe()


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
    """Hand the assembled episode to publishing (:mod:`audiobook.publish.episode`) with the
    build record of what made it, and say where it went."""
    used = tuple(fallback.used) if fallback is not None else ()
    source = prepared.document.source
    title = clean_title(xml_text(title)) or Path(source).stem
    build_record = {
        "source": source,
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
    edition = prepared.edition
    new = NewEpisode(
        title=title,
        source=source,
        article=article_key(prepared.document),
        engine=choice.settings.engine,
        voice=choice.engine.describe(),
        duration_s=assembled.duration_s,
        chapters=assembled.chapters,
        cues=assembled.cues,
        build=build_record,
        byline=prepared.article.byline,
        language=prepared.article.language,
        articles=tuple(ArticleNote(a["title"], a["link"]) for a in edition["notes"])
        if edition
        else (),
        edition=edition is not None,
        date=edition["date"] if edition else None,
    )
    record = publish(store, staging, new, options.publishing())
    for kind, name in (("episode", record.mp3), *((k, record.files.get(f)) for k, f in _NOTED)):
        if name is not None:
            report.note(f"{kind}: {options.output / name}")
    episode = Episode(
        record, str(options.output / record.mp3), assembled.loudness, prepared.article.language
    )
    return BuildResult(episode, store.feed_path, record, used)


#: The editions a build reports, by the ``files`` kind that names each.
_NOTED = (("daisy", "daisy_zip"), ("epub", "epub"), ("m4b", "m4b"))
