"""``audiobook voices`` and ``audiobook voices install``: list voices, install neural ones.

Listing is what it was (Microsoft's voices by default, espeak-ng's with ``--engine espeak``)
plus Piper's (``--engine piper``: installed and installable). Installing fetches a catalogue
voice with a progress bar (resumable, checksummed) or takes a file the user already has
(``--from``), the offline path; either way the voice is made to speak before it is kept.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from audiobook.cli_options import err, friendly

voices_app = typer.Typer(
    help=(
        "List the voices a profile or --voice can name, and install neural offline ones.\n\n"
        "The edge list is cached on disk; offline, the cached list is shown and a note says "
        "so.\n\n"
        "Examples:\n\n"
        "  audiobook voices\n\n"
        "  audiobook voices --locale zh --json\n\n"
        "  audiobook voices --engine espeak\n\n"
        "  audiobook voices --engine piper        # installed and installable neural voices\n\n"
        "  audiobook voices install zh_CN-huayan-medium"
    ),
    invoke_without_command=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _err(message: str) -> None:
    err.print(message, markup=False)


@voices_app.callback()
@friendly
def voices(
    ctx: typer.Context,
    engine: Annotated[
        str, typer.Option("--engine", help="Which engine's voices: edge, espeak or piper.")
    ] = "edge",
    locale: Annotated[
        str | None, typer.Option("--locale", help="Only this locale or language (zh-CN, zh).")
    ] = "zh-CN",
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Ask the service even if the cache is fresh.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    note = None
    if engine == "espeak":
        from audiobook.engines.espeak import list_voices as espeak_voices

        rows: list[dict[str, Any]] = espeak_voices(locale)
    elif engine == "edge":
        from audiobook.engines.edge import list_voices
        from audiobook.paths import cache_root

        found = list_voices(locale, cache_dir=cache_root(), refresh=refresh)
        rows = [
            {"name": v.get("ShortName"), "locale": v.get("Locale"), "gender": v.get("Gender")}
            for v in found
        ]
        note = found.note
    elif engine == "piper":
        rows = piper_rows(locale)
        if not as_json:
            for row in rows:
                size = f"{row['size'] / 1e6:.0f} MB" if row["size"] else ""
                print(f"{row['name']}\t{row['locale']}\t{row['status']}\t{size}")
            return
    else:
        _err("error: --engine must be edge, espeak or piper")
        raise typer.Exit(2)
    if note:
        _err(f"note: {note}")
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        print(f"{row['name']}\t{row['locale']}\t{row.get('gender') or ''}")


def piper_rows(locale: str | None) -> list[dict[str, Any]]:
    """Installed Piper voices, then the catalogue's others, by name; ``locale`` filters by
    language (``zh`` or ``zh-CN``; Piper writes ``zh_CN``)."""
    from audiobook import voice_store

    rows: dict[str, dict[str, Any]] = {}
    for name, entry in voice_store.catalogue().items():
        rows[name] = {
            "name": name, "locale": entry.language.replace("_", "-"), "quality": entry.quality,
            "status": "installable", "size": entry.size, "licence": entry.licence,
        }  # fmt: skip
    for files in voice_store.installed():
        rows[files.name] = {
            **rows.get(files.name, {"licence": ""}),
            "name": files.name, "locale": files.language.replace("_", "-"),
            "quality": files.quality, "status": "installed",
            "size": files.model.stat().st_size, "path": str(files.model),
        }  # fmt: skip
    out = sorted(rows.values(), key=lambda r: (r["status"] != "installed", r["name"]))
    if locale:
        want = locale.lower().replace("_", "-")
        out = [r for r in out if r["locale"].lower().startswith(want.split("-")[0])]
    return out


@voices_app.command("install")
@friendly
def install(
    name: Annotated[
        str | None,
        typer.Argument(help="A voice in the catalogue (audiobook voices --engine piper)."),
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="Install a voice file you already have (NAME.onnx, its NAME.onnx.json beside it).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Install a neural offline (Piper) voice into the per-user data folder.

    A catalogue voice is downloaded from its official release URL (a partial download is
    resumed) and its checksum verified; --from takes a file you have (no network). Either
    way the voice must load and speak before it is kept. Builds then use it with
    --engine piper --voice NAME, and auto prefers a Mandarin one over espeak-ng.

    Examples:

      audiobook voices install zh_CN-huayan-medium

      audiobook voices install --from ~/Downloads/zh_CN-huayan-medium.onnx
    """
    from audiobook import voice_install
    from audiobook.errors import ConfigError

    if (name is None) == (from_file is None):
        raise ConfigError("give one of: a voice NAME from the catalogue, or --from FILE")
    if from_file is not None:
        files = voice_install.install_from_file(from_file)
    else:
        assert name is not None
        files = _install_with_progress(name, quiet)
    print(files.model)
    if not quiet:
        _err(
            f"installed {files.name} ({files.language}); "
            f"use it with --engine piper --voice {files.name}"
        )


def _install_with_progress(name: str, quiet: bool) -> Any:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from audiobook import voice_install

    if quiet:
        return voice_install.install(name)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(filename: str, done: int, total: int | None) -> None:
            if filename not in tasks:
                tasks[filename] = bar.add_task(filename, total=total)
            bar.update(tasks[filename], completed=done, total=total)

        return voice_install.install(name, progress=progress)
