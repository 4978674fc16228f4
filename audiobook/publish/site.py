"""Publishing into an output folder: move an episode's files in and re-render what derives
from the store (cover, ``index.html``, ``feed.xml``).

Every function here that changes the folder expects the caller to hold ``Store.locked()``.
The order of writes is what keeps readers safe: episode files first, then the store, then
the page, and ``feed.xml`` last, each atomically — so a podcast app never sees an item whose
files are missing, and a build that fails before the last rename leaves ``feed.xml`` exactly
as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from audiobook.errors import ConfigError, PublishError
from audiobook.publish.cover import ensure_cover
from audiobook.publish.feed import render_feed
from audiobook.publish.page import render_page
from audiobook.publish.slug import slugify
from audiobook.publish.store import (
    EPISODES_DIR,
    EpisodeRecord,
    FeedSettings,
    Store,
    atomic_write,
    replace_dir,
)

PAGE_NAME = "index.html"
#: ``files`` keys of an episode's DAISY edition (added by ``audiobook daisy`` / ``--daisy``).
DAISY_KEYS = ("daisy", "daisy_zip")


def episode_id(title: str, fallback: str, records: list[EpisodeRecord]) -> str:
    """The ASCII id (and file stem) of the episode titled ``title``.

    The same title keeps its id (so a rebuild replaces the episode and keeps its guid); a
    different title whose pinyin happens to match (公式 / 攻势) gets a numbered id instead of
    silently replacing the other article.
    """
    base = slugify(title, fallback=fallback)
    taken = {r.id: r.title for r in records}
    candidate, n = base, 1
    while candidate in taken and taken[candidate] != title:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def episode_files(episode: str) -> dict[str, str]:
    """Where each of an episode's files lives, relative to the output folder."""
    stem = f"{EPISODES_DIR}/{episode}"
    return {
        "mp3": f"{stem}.mp3",
        "chapters": f"{stem}.chapters.json",
        "vtt": f"{stem}.vtt",
        "srt": f"{stem}.srt",
        "build": f"{stem}.build.json",
    }


def render(store: Store, settings: FeedSettings, records: list[EpisodeRecord]) -> dict[str, bytes]:
    """Every derived file, rendered in memory first so a rendering error changes nothing."""
    cover = ensure_cover(store.root, settings.title, settings.author, settings.cover)
    view = replace(settings, cover=cover)
    return {PAGE_NAME: render_page(view, records), "feed.xml": render_feed(view, records)}


def commit(
    store: Store,
    settings: FeedSettings,
    records: list[EpisodeRecord],
    *,
    staged: Mapping[str, Path] | None = None,
    cover: Path | None = None,
    save_settings: bool = False,
) -> None:
    """Publish ``records`` (moving ``staged`` files to their names first, and a checked
    ``cover`` image into the folder under its own name). Holds no lock itself: call it inside
    ``store.locked()``."""
    outputs = render(store, settings, records)
    moves = [(store.inside(relative), source) for relative, source in (staged or {}).items()]
    if cover is not None:
        moves.append((store.root / cover.name, cover))
    try:
        for target, source in moves:
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():  # a fileset (the DAISY edition): swapped in whole
                replace_dir(source, target)
                continue
            with open(source, "rb") as handle:
                os.fsync(handle.fileno())
            source.replace(target)
        if save_settings:
            store.save_settings(settings)
        store.save_episodes(records)
        atomic_write(store.root / PAGE_NAME, outputs[PAGE_NAME])
        atomic_write(store.feed_path, outputs["feed.xml"])
    except OSError as exc:
        raise PublishError(f"{store.root}: cannot publish ({exc.strerror or exc})") from exc


def remove_episode(store: Store, episode: str) -> EpisodeRecord:
    """Take an episode out of the feed, then delete its files (in that order, so the feed
    never points at a deleted file)."""
    with store.locked():
        records = store.episodes()
        found = next((r for r in records if r.id == episode or r.guid == episode), None)
        if found is None:
            known = ", ".join(r.id for r in records) or "none"
            raise ConfigError(f"no episode {episode!r} in {store.root} (episodes: {known})")
        # Checked before anything changes: a hand-edited path outside episodes/ refuses all.
        paths = [store.inside(name) for name in {found.mp3, *found.files.values()}]
        commit(store, store.settings(), [r for r in records if r is not found])
        delete_files(paths)
    return found


def delete_files(paths: Iterable[Path]) -> None:
    """Delete episode files and folders (a DAISY fileset is a folder); missing ones are fine.
    Callers resolve the paths with ``Store.inside`` first."""
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def attach_files(store: Store, episode: str, files: Mapping[str, str]) -> EpisodeRecord:
    """Record extra files of a published episode (its DAISY edition) and re-render the page
    that offers them. Call inside ``store.locked()``, after the files are in place."""
    records = store.episodes()
    found = next((r for r in records if r.id == episode), None)
    if found is None:
        raise PublishError(f"{store.root}: episode {episode!r} was removed meanwhile")
    for relative in files.values():
        store.inside(relative)
    found.files.update(files)
    commit(store, store.settings(), records)
    return found
