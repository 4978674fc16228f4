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
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from audiobook.errors import ConfigError, PublishError
from audiobook.models import EpisodeRecord
from audiobook.publish.cover import ensure_cover
from audiobook.publish.feed import render_feed
from audiobook.publish.page import render_page
from audiobook.publish.settings import FeedSettings
from audiobook.publish.slug import slugify
from audiobook.publish.store import (
    EPISODES_DIR,
    INTENT_NAME,
    Store,
    crash_point,
    delete_files,
    disk_error,
    replace_dir,
)

PAGE_NAME = "index.html"
#: ``files`` keys of an episode's DAISY edition (added by ``audiobook daisy`` / ``--daisy``).
DAISY_KEYS = ("daisy", "daisy_zip")


def episode_id(title: str, fallback: str, records: list[EpisodeRecord]) -> str:
    """A new ASCII id (and file stem) for an episode titled ``title``: its slug, numbered if
    another episode has it (an article with the same title, or one whose pinyin happens to
    match: 公式 / 攻势), so no article silently replaces another. A rebuild of the same
    article keeps its old id; the caller looks that up (see ``publish.episode.publish``)."""
    base = slugify(title, fallback=fallback)
    taken = {r.id for r in records}
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def new_version() -> str:
    """A fresh version tag for an episode's files (8 hex digits)."""
    return uuid.uuid4().hex[:8]


def episode_files(episode: str, version: str = "") -> dict[str, str]:
    """Where each of an episode's files lives, relative to the output folder. Each build
    publishes under a new ``version`` (``<id>.<version>.mp3``…), so a rebuild's files never
    overwrite the ones the published feed still names (see :func:`commit`)."""
    stem = f"{EPISODES_DIR}/{episode}" + (f".{version}" if version else "")
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
    obsolete: Iterable[str] = (),
) -> None:
    """Publish ``records`` as one transaction (see :meth:`Store.begin`): move ``staged`` files
    to their (new, unpublished) names and a checked ``cover`` image into the folder, commit,
    then apply: settings, store, page, feed, and last delete ``obsolete`` files (relative
    names nothing published will name any more). Holds no lock itself: call it inside
    ``store.locked()``."""
    outputs = render(store, settings, records)
    moves = [(store.inside(relative), source) for relative, source in (staged or {}).items()]
    if cover is not None:
        moves.append((store.root / cover.name, cover))
    named = {str(Path(name)) for r in records for name in (r.mp3, *r.files.values())}
    gone = sorted({str(Path(name)) for name in obsolete} - named)
    moved: list[Path] = []
    try:
        # Episode targets are resolved (Store.inside), the root may be relative (-o out).
        root = store.root.resolve()
        new = [
            t.resolve().relative_to(root).as_posix() for t, _ in moves if t.resolve().parent != root
        ]
        if new:
            store.intend(new)
        for target, source in moves:
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():  # a fileset (the DAISY edition): swapped in whole
                replace_dir(source, target)
            else:
                with open(source, "rb") as handle:
                    os.fsync(handle.fileno())
                source.replace(target)
            if target.parent != store.root:  # an episode's file, under a name of its own
                moved.append(target)
            crash_point(f"move {target.name}")
        store.begin(
            settings=settings if save_settings else None,
            episodes=records,
            derived={PAGE_NAME: outputs[PAGE_NAME], "feed.xml": outputs["feed.xml"]},
            obsolete=gone,
        )
    except OSError as exc:
        delete_files(moved)  # not committed: nothing names them
        with contextlib.suppress(OSError):
            (store.root / INTENT_NAME).unlink(missing_ok=True)
        raise disk_error(store.root, exc) from exc
    try:
        store.finish()
    except OSError as exc:
        raise PublishError(
            f"{store.root}: published, but the feed could not be brought up to date "
            f"({exc.strerror or exc}); the next audiobook command in this folder finishes it"
        ) from exc


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
        names = sorted({found.mp3, *found.files.values()})
        for name in names:
            store.inside(name)
        remaining = [r for r in records if r is not found]
        commit(store, store.settings(), remaining, obsolete=names)
    return found


def attach_files(store: Store, episode: str, files: Mapping[str, str]) -> EpisodeRecord:
    """Record extra files of a published episode (its DAISY edition) and re-render the page
    that offers them. Call inside ``store.locked()``, after the files are in place."""
    records = store.episodes()
    found = next((r for r in records if r.id == episode), None)
    if found is None:
        raise PublishError(f"{store.root}: episode {episode!r} was removed meanwhile")
    for relative in files.values():
        store.inside(relative)
    updated = replace(found, files=found.files.with_files(files))
    commit(store, store.settings(), [updated if r is found else r for r in records])
    return updated
