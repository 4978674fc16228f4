"""``audiobook edition``: a day's articles as one episode (see :mod:`audiobook.edition`).

The shared options and the error handling come from :mod:`audiobook.cli_options`;
:mod:`audiobook.cli` registers the command.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date as Date
from pathlib import Path
from typing import Annotated

import typer

from audiobook import edition, pipeline, profiles
from audiobook.cli_options import (
    BaseUrlOpt,
    ConcurrencyOpt,
    ConvertOpt,
    DaisyOpt,
    DropOpt,
    EngineOpt,
    EpubOpt,
    KeepOpt,
    KeywordFileOpt,
    KeywordOpt,
    M4bOpt,
    NoCacheOpt,
    OutputOpt,
    ProfileOpt,
    QuietOpt,
    RateOpt,
    clean_options,
    err,
    friendly,
)
from audiobook.cli_progress import RichReporter
from audiobook.errors import ConfigError


@friendly
def edition_command(
    articles: Annotated[
        list[str] | None,
        typer.Argument(
            help="The articles, in order: files (text, Markdown, HTML, DOCX, EPUB), "
            "http(s) URLs, or folders (their articles sorted by name).",
            show_default=False,
        ),
    ] = None,
    title: Annotated[
        str, typer.Option("--title", help="The edition's title, e.g. 每日早报.", show_default=False)
    ] = "",
    day: Annotated[
        str | None, typer.Option("--date", help="The edition's date, YYYY-MM-DD (default: today).")
    ] = None,
    lists: Annotated[
        list[Path] | None,
        typer.Option("--list", help="A file of articles, one path or URL a line (repeatable)."),
    ] = None,
    skip_failed: Annotated[
        bool,
        typer.Option("--skip-failed", help="Leave out an article that cannot be read, and say so."),
    ] = False,
    output: OutputOpt = Path("output"),
    profile: ProfileOpt = profiles.DEFAULT_PROFILE,
    engine: EngineOpt = None,
    voice: Annotated[str | None, typer.Option("--voice", help="Override the voice.")] = None,
    rate: RateOpt = None,
    base_url: BaseUrlOpt = None,
    concurrency: ConcurrencyOpt = None,
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
        bool, typer.Option("--json", help="Print the episode and each article's record as JSON.")
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Build one episode from many articles: a rundown chapter (title, date, headlines), then a
    chapter per article with its sections nested below.

    A failing article stops the build with an error naming it, unless --skip-failed.

    Examples:

      audiobook edition a.html b.txt https://example.org/news/1 --title 每日早报

      audiobook edition today/ --title 每日早报 --date 2026-12-02 --json

      audiobook edition --list today.txt --title 晚间新闻 --skip-failed
    """
    try:
        when = Date.fromisoformat(day) if day else Date.today()
    except ValueError:
        raise ConfigError(f"--date {day!r}: not a date (YYYY-MM-DD)") from None
    if not title.strip():
        raise ConfigError("an edition needs a --title")
    sources = edition.expand_sources(articles or [], lists or [])
    options = pipeline.BuildOptions(
        output=output,
        profile=profile,
        engine=engine,
        voice=voice,
        rate=rate,
        concurrency=concurrency,
        base_url=base_url,
        daisy=daisy,
        epub=epub,
        m4b=m4b,
        cache=not no_cache,
        clean=clean_options(keep, drop, spam, spam_file, convert),
    )
    reporter = RichReporter(quiet)
    try:
        result = edition.build_edition(
            sources, title, when, options, reporter, skip_failed=skip_failed
        )
    finally:
        reporter.close()
    episode = result.build.episode
    if as_json:
        payload = {
            "episode": {
                "mp3": episode.mp3,
                "title": episode.title,
                "duration_s": episode.duration_s,
                "engine": episode.engine,
                "voice": episode.voice,
                "chapters": [asdict(c) for c in episode.chapters],
            },
            "articles": list(result.articles),
            "skipped": list(result.skipped),
            "feed": str(result.build.feed),
        }
        print(json.dumps(payload, ensure_ascii=False))
        return
    print(episode.mp3)
    if not quiet:
        left_out = f", {len(result.skipped)} skipped" if result.skipped else ""
        err.print(
            f"{episode.title} — {len(result.articles)} articles{left_out}, "
            f"{episode.duration_s / 60:.1f} min; feed: {result.build.feed}",
            markup=False,
        )
