"""What the command modules share: the error mapping (:func:`friendly`: one line on stderr
and an exit code, never a traceback), stderr, and the options several commands take, so
each command module imports them from here and :mod:`audiobook.cli` only assembles the app.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console

from audiobook import pipeline
from audiobook.errors import AudiobookError


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
P = ParamSpec("P")
R = TypeVar("R")


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


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn expected failures into one line on stderr and an exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
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

    return wrapper


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
LexiconOpt = Annotated[
    Path | None, typer.Option("--lexicon", help="A pronunciation lexicon (TOML).")
]
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


#: Options build and edition share: where, which voice, how fast, how quietly.
OutputOpt = Annotated[
    Path, typer.Option("--output", "-o", help="Output folder for episodes and feed.xml.")
]
ProfileOpt = Annotated[
    str,
    typer.Option("--profile", "-p", help="Voice profile: a name in voices/ or a .toml path."),
]
EngineOpt = Annotated[
    str | None,
    typer.Option("--engine", help="Override the engine: auto, edge, espeak or piper."),
]
RateOpt = Annotated[str | None, typer.Option("--rate", help="Speaking rate, e.g. +10%.")]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option("--base-url", help="Public URL prefix of enclosures (default: relative)."),
]
ConcurrencyOpt = Annotated[
    int | None,
    typer.Option("--concurrency", min=1, max=32, help="Parallel requests to a network voice."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")]


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


def clean_options(
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
