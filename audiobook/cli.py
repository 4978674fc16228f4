"""The ``audiobook`` command: a thin Typer layer over :mod:`audiobook.pipeline`.

Commands parse options, call the library, and render results (text or ``--json`` on stdout)
and progress (stderr). Every :class:`~audiobook.errors.AudiobookError` becomes one line on
stderr and a non-zero exit; tracebacks are for our bugs only, and only with
``AUDIOBOOK_DEBUG=1``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from audiobook import __version__, pipeline, profiles
from audiobook.errors import AudiobookError
from audiobook.models import Segment

app = typer.Typer(
    name="audiobook",
    help=(
        "Turn a written article into a produced audio edition: a chaptered MP3 episode and a "
        "podcast feed.\n\n"
        "Examples:\n\n"
        "  audiobook build examples/jianfu.txt            # episode + feed under output/\n\n"
        "  audiobook build article.md --engine espeak --output site/ --json\n\n"
        "  audiobook sections article.txt --json          # what will be read, by section\n\n"
        "  audiobook clean article.txt --diff             # every removal and its rule"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


class _Stderr(Console):
    """Status and progress on stderr. Nobody reading it (a closed pipe) is no reason to stop a
    build: status goes quiet and the command carries on (rich would exit 1)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stderr.fileno())  # the interpreter's last flush too
            os.close(devnull)


err = _Stderr(stderr=True, highlight=False, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])


class Terminated(KeyboardInterrupt):
    """SIGTERM, unwound exactly as Ctrl-C is: staging removed, workers stopped, the lock
    let go of, nothing half-published (then exit 143, as a process killed by it would)."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM (``kill``, a service manager, a CI timeout) raises
    :class:`Terminated` in the main thread instead of ending the process on the spot."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def friendly(func: F) -> F:
    """Turn expected failures into one line on stderr and an exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with _sigterm_as_interrupt():
                return func(*args, **kwargs)
        except AudiobookError as exc:
            err.print(f"error: {exc}", markup=False)
            raise typer.Exit(exc.exit_code) from None
        except Terminated:
            err.print("terminated: nothing was published", markup=False)
            raise typer.Exit(143) from None
        except KeyboardInterrupt:
            err.print("interrupted: nothing was published", markup=False)
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if os.environ.get("AUDIOBOOK_DEBUG"):
                raise
            err.print(
                f"error: unexpected {type(exc).__name__}: {exc} "
                "(set AUDIOBOOK_DEBUG=1 to see where)",
                markup=False,
            )
            raise typer.Exit(70) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        print(f"audiobook {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Turn a written article into a chaptered MP3 episode and a podcast feed."""


ArticleArg = Annotated[
    str,
    typer.Argument(
        help="The article: a text or Markdown file (UTF-8, GB18030/GBK, Big5), a web page "
        "(.html, or an http(s) URL), a Word .docx, an .epub, or - for stdin.",
        show_default=False,
    ),
]
#: Options build and edition share: the sentence cache and the extra editions.
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Synthesise every sentence again.")]
DaisyOpt = Annotated[
    bool, typer.Option("--daisy", help="Also write a DAISY 2.02 talking book and its zip.")
]
EpubOpt = Annotated[
    bool,
    typer.Option(
        "--epub",
        help="Also write an EPUB 3 read-along book: the text, synchronised sentence by "
        "sentence with the audio (Media Overlays).",
    ),
]
M4bOpt = Annotated[
    bool,
    typer.Option(
        "--m4b",
        help="Also write an M4B audiobook: AAC with chapters, cover and tags, for audiobook apps.",
    ),
]


KeepOpt = Annotated[
    list[str] | None,
    typer.Option("--keep", help="Turn a cleaning rule off for this run (repeatable)."),
]
DropOpt = Annotated[
    list[str] | None,
    typer.Option("--drop", help="Turn an optional cleaning rule on for this run (repeatable)."),
]
KeywordOpt = Annotated[
    list[str] | None,
    typer.Option("--spam", help="Also remove this spam keyword (repeatable)."),
]
KeywordFileOpt = Annotated[
    Path | None,
    typer.Option("--spam-file", help="A file of extra spam keywords, one per line."),
]
ConvertOpt = Annotated[
    str | None,
    typer.Option("--convert", help="OpenCC profile for Traditional → Simplified (e.g. tw2s, t2s)."),
]


def _clean_options(
    keep: list[str] | None,
    drop: list[str] | None,
    spam: list[str] | None,
    spam_file: Path | None,
    conversion: str | None,
) -> pipeline.CleanOptions:
    defaults = pipeline.CleanOptions()
    return pipeline.CleanOptions(
        keep=tuple(keep or ()),
        drop=tuple(drop or ()),
        keywords=tuple(spam or ()),
        keyword_file=spam_file,
        conversion=conversion or defaults.conversion,
    )


class _RichReporter(pipeline.Reporter):
    """Status lines and two progress bars on stderr: sentences spoken (with sections done),
    then sentences encoded into the episode, each with elapsed time and ETA. Speech runs
    ahead of the encoder, so one bar alone would sit at 100% while the MP3 is still being
    written."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.progress: Progress | None = None
        self.task: Any = None
        self.encode_task: Any = None
        self.section_sizes: dict[int, int] = {}
        self.done_in_section: dict[int, int] = {}

    def note(self, message: str) -> None:
        if not self.quiet:
            err.print(message, markup=False)

    def start_speaking(self, segments: Sequence[Segment]) -> None:
        for seg in segments:
            self.section_sizes[seg.section] = self.section_sizes.get(seg.section, 0) + 1
        if self.quiet:
            return
        self.progress = Progress(
            TextColumn("{task.description:<8}"),
            BarColumn(),
            TextColumn("{task.fields[sections]}"),
            MofNCompleteColumn(),
            TextColumn("sentences"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=err,
        )
        self.progress.start()
        self.task = self.progress.add_task(
            "speaking", total=len(segments), sections=self._sections_text()
        )
        self.encode_task = self.progress.add_task("encoding", total=len(segments), sections="")

    def _sections_text(self) -> str:
        done = sum(1 for s, n in self.section_sizes.items() if self.done_in_section.get(s, 0) >= n)
        return f"sections {done}/{len(self.section_sizes)} ·"

    def spoke(self, segment: Segment) -> None:
        self.done_in_section[segment.section] = self.done_in_section.get(segment.section, 0) + 1
        if self.progress is not None:
            self.progress.update(self.task, advance=1, sections=self._sections_text())

    def encoded(self, segment: Segment) -> None:
        if self.progress is not None:
            self.progress.update(self.encode_task, advance=1)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


#: An episode already built, and the folder it is in (daisy, epub, m4b).
EpisodeArg = Annotated[
    str, typer.Argument(help="An episode id (its MP3 name without .mp3) or its MP3 path.")
]
EpisodeFolderOpt = Annotated[
    Path, typer.Option("--output", "-o", help="The output folder the episode is in.")
]


@app.command()
@friendly
def build(
    article: ArticleArg,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Output folder for episodes and feed.xml.")
    ] = Path("output"),
    profile: Annotated[
        str,
        typer.Option("--profile", "-p", help="Voice profile: a name in voices/ or a .toml path."),
    ] = profiles.DEFAULT_PROFILE,
    engine: Annotated[
        str | None,
        typer.Option("--engine", help="Override the engine: auto, edge, espeak or piper."),
    ] = None,
    voice: Annotated[
        str | None,
        typer.Option("--voice", help="Override the voice, e.g. zh-CN-XiaoxiaoNeural or cmn."),
    ] = None,
    rate: Annotated[str | None, typer.Option("--rate", help="Speaking rate, e.g. +10%.")] = None,
    pitch: Annotated[str | None, typer.Option("--pitch", help="Pitch, e.g. -5Hz.")] = None,
    volume: Annotated[str | None, typer.Option("--volume", help="Volume, e.g. +0%.")] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="Episode title (default: the article's).")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Public URL prefix of enclosures (default: relative)."),
    ] = None,
    replace: Annotated[
        str | None,
        typer.Option(
            "--replace",
            help="Put this build in the place of episode ID (see feed list), even if it is "
            "another article. Without it, only a rebuild of the same article replaces its "
            "episode.",
        ),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option("--concurrency", min=1, max=32, help="Parallel requests to a network voice."),
    ] = None,
    give_up_after: Annotated[
        float | None,
        typer.Option(
            "--give-up-after",
            min=0.1,
            help="Retry a network voice while it speaks other sentences; give up when it has "
            "spoken nothing for this many seconds (default: $AUDIOBOOK_GIVE_UP_AFTER, else 120).",
        ),
    ] = None,
    fallback: Annotated[
        str | None,
        typer.Option(
            "--fallback",
            help="Speak a sentence the network voice could not (after --give-up-after) in this "
            "offline engine's voice, e.g. espeak; disclosed in the build record, --json, the "
            "transcript and on stderr. Off by default.",
        ),
    ] = None,
    lexicon: Annotated[
        Path | None, typer.Option("--lexicon", help="A pronunciation lexicon (TOML).")
    ] = None,
    no_cache: NoCacheOpt = False,
    keep: KeepOpt = None,
    drop: DropOpt = None,
    spam: KeywordOpt = None,
    spam_file: KeywordFileOpt = None,
    convert: ConvertOpt = None,
    daisy: DaisyOpt = False,
    epub: EpubOpt = False,
    m4b: M4bOpt = False,
    cover: Annotated[
        Path | None,
        typer.Option(
            "--cover",
            help="Show artwork for the feed: square RGB JPEG/PNG, 1400–3000 px (default: the "
            "feed's cover, else one generated from the show title).",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the episode as one JSON object on stdout.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Build an episode from ARTICLE and add it to the feed in the output folder.

    Examples:

      audiobook build examples/jianfu.txt

      audiobook build article.txt --engine espeak --output site --base-url https://example.org/pod

      audiobook build - --title "今日要闻" --json < article.txt

      audiobook build article.txt --cover artwork.jpg
    """
    options = pipeline.BuildOptions(
        output=output,
        profile=profile,
        engine=engine,
        voice=voice,
        rate=rate,
        pitch=pitch,
        volume=volume,
        concurrency=concurrency,
        base_url=base_url,
        replace=replace,
        title=title,
        lexicon=lexicon,
        daisy=daisy,
        epub=epub,
        m4b=m4b,
        cover=cover,
        cache=not no_cache,
        clean=_clean_options(keep, drop, spam, spam_file, convert),
        give_up_after_s=give_up_after,
        fallback=fallback,
    )
    reporter = _RichReporter(quiet)
    try:
        result = pipeline.build(article, options, reporter)
    finally:
        reporter.close()
    episode = result.episode
    if result.fallback:
        # Said even with --quiet: an episode partly in another voice is the producer's to know.
        n = len(result.fallback)
        where = [f"section {u.section + 1} sentence {u.index + 1}" for u in result.fallback]
        err.print(
            f"warning: {n} sentence{'s' if n != 1 else ''} spoken by the fallback voice "
            f"(the network voice could not speak {'them' if n != 1 else 'it'}): "
            + ", ".join(where[:5])
            + (", …" if n > 5 else ""),
            markup=False,
        )
    if as_json:
        payload = {
            "episode": {
                "mp3": episode.mp3,
                "title": episode.title,
                "duration_s": episode.duration_s,
                "engine": episode.engine,
                "voice": episode.voice,
                "chapters": [asdict(c) for c in episode.chapters],
                "loudness": asdict(episode.loudness) if episode.loudness else None,
                # Sentences spoken by the --fallback voice (empty: none, or not asked for).
                "fallback": [u.as_dict() for u in result.fallback],
                # Every published file of the episode beside the MP3 (transcripts, and the
                # DAISY, EPUB and M4B editions when asked for), by kind.
                "files": {k: str(output / v) for k, v in sorted(result.record.files.items())},
            },
            "feed": str(result.feed),
        }
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(episode.mp3)
        if not quiet:
            err.print(
                f"{episode.title} — {episode.duration_s / 60:.1f} min, "
                f"{len(episode.chapters)} chapters; feed: {result.feed}",
                markup=False,
            )


@app.command()
@friendly
def sections(
    article: ArticleArg,
    keep: KeepOpt = None,
    drop: DropOpt = None,
    spam: KeywordOpt = None,
    spam_file: KeywordFileOpt = None,
    convert: ConvertOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show the cleaned, Simplified article by section, as it will be read (before speech
    normalisation).

    Examples:

      audiobook sections article.txt

      audiobook sections article.txt --json | jq '.sections[].title'
    """
    prepared = pipeline.prepare(article, _clean_options(keep, drop, spam, spam_file, convert))
    art = prepared.article
    if as_json:
        payload = {
            "title": art.title,
            "byline": art.byline,
            "sections": [
                {"title": s.title, "level": s.level, "text": s.text} for s in art.sections
            ],
        }
        print(json.dumps(payload, ensure_ascii=False))
        return
    if art.title:
        print(f"# {art.title}")
    if art.byline:
        print(art.byline)
    for section in art.sections:
        print(f"\n## {section.title}\n")
        print(section.text)


@app.command()
@friendly
def readings(
    article: ArticleArg,
    keep: KeepOpt = None,
    drop: DropOpt = None,
    spam: KeywordOpt = None,
    spam_file: KeywordFileOpt = None,
    convert: ConvertOpt = None,
    lexicon: Annotated[
        Path | None, typer.Option("--lexicon", help="A pronunciation lexicon (TOML).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """List every decision the text front end makes for speech, to review before publishing:
    each normalised span with its reading and rule, each lexicon substitution (every engine),
    and each polyphone word with the pinyin chosen for the offline voice.

    Examples:

      audiobook readings article.txt

      audiobook readings article.txt --json | jq '.sentences[].normalised[]'
    """
    from audiobook.text.lexicon import load_lexicon
    from audiobook.text.reading_sheet import format_sheet, reading_sheet

    prepared = pipeline.prepare(article, _clean_options(keep, drop, spam, spam_file, convert))
    art = prepared.article
    sheets = reading_sheet(art, load_lexicon(lexicon))
    if as_json:
        payload = {"title": art.title, "sentences": [s.as_dict() for s in sheets]}
        print(json.dumps(payload, ensure_ascii=False))
        return
    print(format_sheet(sheets, [s.title for s in art.sections]))


@app.command("clean")
@friendly
def clean_command(
    article: ArticleArg,
    diff: Annotated[
        bool, typer.Option("--diff", help="Show every removal with its rule instead.")
    ] = False,
    keep: KeepOpt = None,
    drop: DropOpt = None,
    spam: KeywordOpt = None,
    spam_file: KeywordFileOpt = None,
    convert: ConvertOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print removals as JSON.")] = False,
) -> None:
    """Print the cleaned text (still in its own script), or with --diff what was removed.

    Examples:

      audiobook clean article.txt > clean.txt

      audiobook clean article.txt --diff

      audiobook clean article.txt --diff --keep splice

      audiobook clean article.txt --drop suspect
    """
    prepared = pipeline.prepare(article, _clean_options(keep, drop, spam, spam_file, convert))
    removals = prepared.cleaned.removals
    suspects = prepared.cleaned.suspects
    if as_json:
        listed = [asdict(r) for r in removals]
        listed += [{**asdict(r), "kept": True} for r in suspects]
        print(json.dumps(listed, ensure_ascii=False))
    elif diff:
        source = prepared.document.text
        marked = [(r, "-", "-") for r in removals] + [(r, "?", "?") for r in suspects]
        for r, opening, closing in sorted(marked, key=lambda m: m[0].start):
            before = source[max(0, r.start - 8) : r.start].replace("\n", "⏎")
            after = source[r.end : r.end + 8].replace("\n", "⏎")
            shown = r.text.replace("\n", "⏎")
            label = "suspect, kept" if opening == "?" else r.rule
            print(f"[{label}] @{r.start}: …{before}[{opening}{shown}{closing}]{after}…")
        summary = f"{len(removals)} removals"
        if suspects:
            summary += f", {len(suspects)} suspect passages kept (--drop suspect removes them)"
        err.print(summary, markup=False)
    else:
        sys.stdout.write(prepared.cleaned.text)
        if not prepared.cleaned.text.endswith("\n"):
            sys.stdout.write("\n")


@app.command()
@friendly
def daisy(
    episode: EpisodeArg,
    output: EpisodeFolderOpt = Path("output"),
) -> None:
    """Write a DAISY 2.02 talking book for an episode already built: ncc.html, one SMIL file
    per section with a clip per sentence, the full text and the audio, plus a zip.

    Examples:

      audiobook daisy she-qu-tu-shu-guan-kai-chu -o output

      audiobook daisy output/episodes/she-qu-tu-shu-guan-kai-chu.mp3 -o output
    """
    print(pipeline.make_daisy(output, episode))


@app.command()
@friendly
def epub(
    episode: EpisodeArg,
    output: EpisodeFolderOpt = Path("output"),
) -> None:
    """Write an EPUB 3 read-along book for an episode already built: the text with its
    headings, the audio, and Media Overlays that highlight each sentence as it is read.

    Examples:

      audiobook epub she-qu-tu-shu-guan-kai-chu -o output
    """
    print(pipeline.make_epub(output, episode))


@app.command()
@friendly
def m4b(
    episode: EpisodeArg,
    output: EpisodeFolderOpt = Path("output"),
) -> None:
    """Write an M4B audiobook for an episode already built: AAC with the episode's chapters,
    cover and tags. Its PCM is gone, so this decodes the MP3 (build --m4b encodes the PCM).

    Examples:

      audiobook m4b she-qu-tu-shu-guan-kai-chu -o output
    """
    print(pipeline.make_m4b(output, episode))


def main() -> None:
    """Entry point of the ``audiobook`` script."""
    app()


# Registered last: feed_cli looks up ``friendly`` from this module when its commands run.
from audiobook.feed_cli import feed_app, serve_command  # noqa: E402

app.add_typer(feed_app, name="feed")
app.command("serve")(serve_command)

from audiobook.edition_cli import edition_command  # noqa: E402

app.command("edition")(edition_command)

from audiobook.voices_cli import voices_app  # noqa: E402

app.add_typer(voices_app, name="voices")
