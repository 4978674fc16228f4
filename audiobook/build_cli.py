"""``audiobook build``: one article to an episode in the feed (a thin layer over
:func:`audiobook.pipeline.build`)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from audiobook import pipeline, profiles
from audiobook.cli_options import (
    ArticleArg,
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
    LexiconOpt,
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


@friendly
def build(
    article: ArticleArg,
    output: OutputOpt = Path("output"),
    profile: ProfileOpt = profiles.DEFAULT_PROFILE,
    engine: EngineOpt = None,
    voice: Annotated[
        str | None,
        typer.Option("--voice", help="Override the voice, e.g. zh-CN-XiaoxiaoNeural or cmn."),
    ] = None,
    rate: RateOpt = None,
    pitch: Annotated[str | None, typer.Option("--pitch", help="Pitch, e.g. -5Hz.")] = None,
    volume: Annotated[str | None, typer.Option("--volume", help="Volume, e.g. +0%.")] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="Episode title (default: the article's).")
    ] = None,
    base_url: BaseUrlOpt = None,
    replace: Annotated[
        str | None,
        typer.Option(
            "--replace",
            help="Put this build in the place of episode ID (see feed list), even if it is "
            "another article. Without it, only a rebuild of the same article replaces its "
            "episode.",
        ),
    ] = None,
    concurrency: ConcurrencyOpt = None,
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
    quiet: QuietOpt = False,
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
        profile=profiles.resolve(
            profile, engine=engine, voice=voice, rate=rate, pitch=pitch, volume=volume
        ),
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
        clean=clean_options(keep, drop, spam, spam_file, convert),
        give_up_after_s=give_up_after,
        fallback=fallback,
    )
    reporter = RichReporter(quiet)
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
