"""The ``audiobook`` command: a thin Typer layer over :mod:`audiobook.pipeline`.

Commands parse options, call the library, and render results (text or ``--json`` on stdout)
and progress (stderr). Every :class:`~audiobook.errors.AudiobookError` becomes one line on
stderr and a non-zero exit; tracebacks are for our bugs only, and only with
``AUDIOBOOK_DEBUG=1`` (:mod:`audiobook.cli_options`).

This module assembles the app: the small commands live here, the larger ones in their own
modules (:mod:`audiobook.build_cli`, :mod:`audiobook.edition_cli`, :mod:`audiobook.feed_cli`,
:mod:`audiobook.voices_cli`),
which share options and error handling through :mod:`audiobook.cli_options`, not this module.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from audiobook import __version__, pipeline
from audiobook.batch_cli import batch_command
from audiobook.build_cli import build
from audiobook.cli_options import (
    ArticleArg,
    ConvertOpt,
    DropOpt,
    KeepOpt,
    KeywordFileOpt,
    KeywordOpt,
    clean_options,
    err,
    friendly,
)
from audiobook.edition_cli import edition_command
from audiobook.feed_cli import feed_app, serve_command
from audiobook.voices_cli import voices_app

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


app.command()(build)


#: An episode already built, and the folder it is in (daisy, epub, m4b).
EpisodeArg = Annotated[
    str, typer.Argument(help="An episode id (its MP3 name without .mp3) or its MP3 path.")
]
EpisodeFolderOpt = Annotated[
    Path, typer.Option("--output", "-o", help="The output folder the episode is in.")
]


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
    prepared = pipeline.prepare(article, clean_options(keep, drop, spam, spam_file, convert))
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

    prepared = pipeline.prepare(article, clean_options(keep, drop, spam, spam_file, convert))
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
    prepared = pipeline.prepare(article, clean_options(keep, drop, spam, spam_file, convert))
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


app.add_typer(feed_app, name="feed")
app.command("serve")(serve_command)
app.command("edition")(edition_command)
app.add_typer(voices_app, name="voices")
app.command("batch")(batch_command)
