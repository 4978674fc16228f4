"""``audiobook batch``: one episode per article, many articles (see :mod:`audiobook.batch`).

Registered by :mod:`audiobook.cli`; the shared options and the error handling come from
:mod:`audiobook.cli_options`.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from audiobook import batch, pipeline, profiles
from audiobook.cli_options import (
    ConvertOpt,
    DaisyOpt,
    DropOpt,
    EpubOpt,
    KeepOpt,
    KeywordFileOpt,
    KeywordOpt,
    LexiconOpt,
    M4bOpt,
    NoCacheOpt,
    Terminated,
    clean_options,
    err,
    friendly,
)
from audiobook.cluster import DaskSpeaker
from audiobook.edition import expand_sources


class _RichObserver(batch.Observer):
    """Two bars over the whole batch on stderr: articles done (built, up to date, failed)
    and sentences spoken; each failure as a line above them; with ``--json``, a JSON line
    per article on stdout as it finishes."""

    def __init__(self, total: int, quiet: bool, as_json: bool) -> None:
        self.quiet, self.as_json = quiet, as_json
        self.counts = {"built": 0, "skipped": 0, "failed": 0}
        self._lock = threading.Lock()
        self.progress: Progress | None = None
        if quiet:
            return
        self.progress = Progress(
            TextColumn("{task.description:<9}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[what]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=err,
        )
        self.progress.start()
        self.articles = self.progress.add_task("articles", total=total, what=self._what())
        self.sentences = self.progress.add_task("speaking", total=0, what="sentences")

    def _what(self) -> str:
        c = self.counts
        return f"built {c['built']} · up to date {c['skipped']} · failed {c['failed']}"

    def note(self, message: str) -> None:
        if not self.quiet:
            err.print(message, markup=False)

    def planned(self, source: str, sentences: int, ready: int) -> None:
        if self.progress is not None:
            with self._lock:
                total = self.progress.tasks[self.sentences].total or 0
                self.progress.update(self.sentences, total=total + sentences, advance=ready)

    def spoken(self, count: int) -> None:
        if self.progress is not None:
            self.progress.update(self.sentences, advance=count)

    def finished(self, item: batch.ItemResult) -> None:
        with self._lock:
            self.counts[item.status] += 1
        if item.status == "failed":
            # Said even with --quiet: the summary's count alone would not say which, or why.
            said = item.error or ""
            where = "" if said.startswith(item.source) else f"{item.source}: "
            err.print(f"failed: {where}{said}", markup=False)
        if self.as_json:
            print(json.dumps(item.as_dict(), ensure_ascii=False), flush=True)
        if self.progress is not None:
            self.progress.update(self.articles, advance=1, what=self._what())

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


@friendly
def batch_command(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="The articles: files (text, Markdown, HTML, DOCX, EPUB), http(s) URLs, or "
            "folders (their articles, sorted by name).",
            show_default=False,
        ),
    ] = None,
    lists: Annotated[
        list[Path] | None,
        typer.Option("--list", help="A file of articles, one path or URL a line (repeatable)."),
    ] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Output folder for episodes and feed.xml.")
    ] = Path("output"),
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            help="Speak on this Dask distributed cluster (its scheduler's address, e.g. "
            "tcp://10.0.0.5:8786); its workers must see --cache-dir. Needs audiobook[cluster]. "
            "Default: this machine.",
        ),
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            "--cache-dir",
            help="The sentence cache (default: ~/.cache/audiobook/segments); with --cluster, "
            "a folder every worker sees at the same path.",
        ),
    ] = None,
    profile: Annotated[
        str,
        typer.Option("--profile", "-p", help="Voice profile: a name in voices/ or a .toml path."),
    ] = profiles.DEFAULT_PROFILE,
    engine: Annotated[
        str | None, typer.Option("--engine", help="Override the engine: auto, edge or espeak.")
    ] = None,
    voice: Annotated[str | None, typer.Option("--voice", help="Override the voice.")] = None,
    rate: Annotated[str | None, typer.Option("--rate", help="Speaking rate, e.g. +10%.")] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Public URL prefix of enclosures (default: relative)."),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            min=1,
            max=32,
            help="Parallel requests to a network voice (per article; per task on a cluster).",
        ),
    ] = None,
    give_up_after: Annotated[
        float | None,
        typer.Option(
            "--give-up-after",
            min=0.1,
            help="Give up on a network voice that has spoken nothing for this many seconds "
            "(default: $AUDIOBOOK_GIVE_UP_AFTER, else 120).",
        ),
    ] = None,
    fallback: Annotated[
        str | None,
        typer.Option(
            "--fallback", help="Speak what the network voice could not in this offline voice."
        ),
    ] = None,
    lexicon: LexiconOpt = None,
    no_cache: NoCacheOpt = False,
    keep: KeepOpt = None,
    drop: DropOpt = None,
    spam: KeywordOpt = None,
    spam_file: KeywordFileOpt = None,
    convert: ConvertOpt = None,
    daisy: DaisyOpt = False,
    epub: EpubOpt = False,
    m4b: M4bOpt = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Print a JSON line per article as it finishes, then the summary."
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Build an episode from each article into one output folder and feed.

    A failing article is reported and the rest go on. A re-run skips every article whose
    episode is published and unchanged (same text, voice and options), so an interrupted
    batch resumes where it stopped.

    Exit code: 0 when every article is built or up to date; otherwise the exit code the
    failed articles share, as build would exit (2 unreadable, 3 voice, 4 publishing,
    5 fetching), or 1 when they failed in different ways.

    Examples:

      audiobook batch today/ --output site

      audiobook batch --list archive.txt --engine espeak --output site --json

      audiobook batch today/ --cluster tcp://10.0.0.5:8786 --cache-dir /shared/sentences
    """
    sources = expand_sources(inputs or [], lists or [], command="a batch")
    options = pipeline.BuildOptions(
        output=output,
        profile=profiles.resolve(profile, engine=engine, voice=voice, rate=rate),
        concurrency=concurrency,
        base_url=base_url,
        lexicon=lexicon,
        daisy=daisy,
        epub=epub,
        m4b=m4b,
        cache=not no_cache,
        cache_dir=cache_dir.resolve() if cache_dir is not None else None,
        clean=clean_options(keep, drop, spam, spam_file, convert),
        give_up_after_s=give_up_after,
        fallback=fallback,
    )
    # Connected before the progress starts: a cluster that does not answer is one line.
    speaker = DaskSpeaker(cluster) if cluster is not None else None
    observer = _RichObserver(len(dict.fromkeys(sources)), quiet, as_json)
    try:
        if speaker is not None:
            observer.note(f"cluster: {speaker.describe()}")
        summary = batch.run(sources, options, observer, speaker=speaker)
    except KeyboardInterrupt as exc:
        # Not build's "nothing was published": the articles done before stay published.
        observer.close()
        done = observer.counts["built"] + observer.counts["skipped"]
        err.print(
            f"{'terminated' if isinstance(exc, Terminated) else 'interrupted'}: {done} "
            "articles published or up to date, the one in progress was not; run the same "
            "command again to finish",
            markup=False,
        )
        raise typer.Exit(143 if isinstance(exc, Terminated) else 130) from None
    finally:
        observer.close()
        if speaker is not None:
            speaker.close()
    counts = summary.as_dict()
    if as_json:
        print(json.dumps({"summary": counts}, ensure_ascii=False))
    elif not quiet or summary.exit_code:
        err.print(
            f"{counts['articles']} articles: {counts['built']} built, {counts['skipped']} up "
            f"to date, {counts['failed']} failed in {summary.seconds:.1f} s; feed: {summary.feed}",
            markup=False,
        )
    if summary.exit_code:
        raise typer.Exit(summary.exit_code)
