"""``audiobook feed …`` and ``audiobook serve``: manage and serve a published folder.

Each command is a thin layer over :mod:`audiobook.publish.site` / :mod:`audiobook.serve`, so
scripts can do the same from Python. Settings changes re-render ``feed.xml`` and
``index.html`` at once, under the same lock builds take.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from audiobook.cli_options import friendly
from audiobook.errors import ConfigError
from audiobook.publish import site
from audiobook.publish.store import SETTING_KEYS, Store, coerce_setting
from audiobook.publish.urls import URL_KEYS

feed_app = typer.Typer(
    help=(
        "Feed settings and episodes of an output folder.\n\n"
        "Examples:\n\n"
        "  audiobook feed init --title 早报 --author 编辑部 --base-url https://example.org/pod\n\n"
        "  audiobook feed set category 'News/Daily News'\n\n"
        "  audiobook feed list\n\n"
        "  audiobook feed remove she-qu-tu-shu-guan"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

OutputOpt = Annotated[
    Path, typer.Option("--output", "-o", help="The output folder (as given to build).")
]


def _interactive() -> bool:
    """Prompt only a person: scripts and CI (no terminal) get the defaults."""
    return sys.stdin.isatty()


_PROMPTS = {
    "title": "Show title",
    "author": "Author / publisher",
    "description": "Description",
    "base_url": "Public URL of the folder (e.g. https://example.org/pod; empty = relative)",
    "category": "Apple category (e.g. News or News/Daily News)",
    "language": "Language",
    "explicit": "Explicit content (true/false)",
    "email": "Owner e-mail (for podcast directories; may be empty)",
}


@feed_app.command("init")
@friendly
def init(
    output: OutputOpt = Path("output"),
    title: Annotated[str | None, typer.Option(help="Show title.")] = None,
    author: Annotated[str | None, typer.Option(help="Author or publisher.")] = None,
    description: Annotated[str | None, typer.Option(help="What the show is.")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Public URL of the output folder.")
    ] = None,
    link: Annotated[
        str | None, typer.Option(help="The show's web page (default: index.html).")
    ] = None,
    category: Annotated[
        str | None, typer.Option(help="Apple category, e.g. News or 'News/Daily News'.")
    ] = None,
    language: Annotated[str | None, typer.Option(help="Language code, e.g. zh-cn.")] = None,
    explicit: Annotated[
        bool | None, typer.Option("--explicit/--clean", help="Explicit content or not.")
    ] = None,
    email: Annotated[str | None, typer.Option(help="Owner e-mail for directories.")] = None,
    cover: Annotated[
        Path | None,
        typer.Option(help="Square RGB JPEG/PNG, 1400–3000 px (default: generated from the title)."),
    ] = None,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help="Do not prompt; keep defaults for what is not given."),
    ] = False,
) -> None:
    """Create (or update) the feed settings of an output folder, prompting for what the
    flags do not give when run in a terminal.

    Examples:

      audiobook feed init                      # asks, with defaults

      audiobook feed init -y --title 早报 --category 'News/Daily News' --cover art.jpg
    """
    store = Store(output)
    given: dict[str, Any] = {
        "title": title, "author": author, "description": description, "base_url": base_url,
        "link": link, "category": category, "language": language, "email": email,
    }  # fmt: skip
    # A URL given here replaces the saved one, which may be the bad one being repaired.
    replacing = [key for key in URL_KEYS if given[key] is not None]
    with store.locked():
        current = store.settings(replacing=replacing)  # the prompts' defaults
    # Prompting happens outside the lock (a person may take minutes; builds would wait), so
    # only the answers are kept and applied to the settings read again under the lock below.
    changes: dict[str, Any] = {}
    interactive = not yes and _interactive()
    for key, value in given.items():
        if value is None and interactive and key in _PROMPTS:
            default = str(getattr(current, key))
            value = typer.prompt(_PROMPTS[key], default=default, show_default=True)
        if value is not None:
            changes[key] = coerce_setting(key, value)
    if explicit is None and interactive:
        explicit = typer.confirm("Explicit content?", default=bool(current.explicit))
    if explicit is not None:
        changes["explicit"] = explicit
    with store.locked():
        settings = replace(store.settings(replacing=replacing), **changes)
        if cover is not None:
            from audiobook.publish.cover import install_cover

            settings.cover = install_cover(output, cover)
        site.commit(store, settings, store.episodes(), save_settings=True)
    typer.echo(f"{output / 'feed.json'}: feed settings saved; feed at {store.feed_path}")


@feed_app.command("set")
@friendly
def set_setting(
    key: Annotated[str, typer.Argument(help=f"One of: {', '.join(SETTING_KEYS)}.")],
    value: Annotated[str, typer.Argument(help="The new value (cover: an image file; '' resets).")],
    output: OutputOpt = Path("output"),
) -> None:
    """Change one feed setting and re-render the feed and page.

    Examples:

      audiobook feed set title 每日早报

      audiobook feed set explicit false

      audiobook feed set cover artwork.png
    """
    store = Store(output)
    if not (output / "feed.json").exists() and not (output / "episodes.json").exists():
        raise ConfigError(f"{output}: no feed here yet (run audiobook feed init -o {output})")
    with store.locked():
        settings = store.settings(replacing=(key,))
        if key == "cover" and value:
            from audiobook.publish.cover import install_cover

            settings.cover = install_cover(output, Path(value))
        else:
            setattr(settings, key, coerce_setting(key, value))
        site.commit(store, settings, store.episodes(), save_settings=True)
    shown = getattr(settings, key)
    typer.echo(f"{key} = {json.dumps(shown, ensure_ascii=False)}")


@feed_app.command("list")
@friendly
def list_episodes(
    output: OutputOpt = Path("output"),
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array on stdout.")] = False,
) -> None:
    """List the episodes in the feed, newest first.

    Examples:

      audiobook feed list -o site

      audiobook feed list --json | jq '.[].id'
    """
    store = Store(output)
    records = sorted(store.episodes(), key=lambda r: r.pub_date, reverse=True)
    if as_json:
        keep = ("id", "guid", "title", "mp3", "bytes", "duration_s", "pub_date", "updated")
        rows = [{k: getattr(r, k) for k in keep} for r in records]
        print(json.dumps(rows, ensure_ascii=False))
        return
    if not records:
        typer.echo(f"{output}: no episodes", err=True)
        return
    for r in records:
        minutes, seconds = divmod(round(r.duration_s), 60)
        typer.echo(f"{r.id}\t{r.pub_date[:10]}\t{minutes}:{seconds:02d}\t{r.title}")


@feed_app.command("remove")
@friendly
def remove(
    episode: Annotated[str, typer.Argument(help="The episode's id (see feed list) or guid.")],
    output: OutputOpt = Path("output"),
) -> None:
    """Remove an episode from the feed and delete its files.

    Examples:

      audiobook feed remove she-qu-tu-shu-guan -o site
    """
    removed = site.remove_episode(Store(output), episode)
    typer.echo(f"removed {removed.id}: {removed.title}")


@friendly
def serve_command(
    folder: Annotated[
        Path, typer.Argument(help="The output folder to serve.", show_default=True)
    ] = Path("output"),
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Serve an output folder over HTTP (byte ranges, HEAD, CORS) so podcast apps and the
    web page can subscribe and seek. Stop with Ctrl-C.

    Examples:

      audiobook serve output

      audiobook serve site --host 0.0.0.0 --port 8080
    """
    from audiobook.serve import serve

    def ready(url: str) -> None:
        typer.echo(f"serving {folder} at {url} (feed: {url}feed.xml)", err=True)

    try:
        serve(folder, host, port, on_ready=ready)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
