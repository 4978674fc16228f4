"""Where audiobook keeps what it can make again."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path


def cache_root() -> Path:
    """Where audiobook keeps caches (segment audio, voice lists, the dictionary store); safe
    to delete. ``$XDG_CACHE_HOME/audiobook``, else ``~/.cache/audiobook``."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "audiobook"


def derived_folder(kind: str, version: str, sources: Sequence[Path]) -> Path | None:
    """The cache folder for data derived from ``sources`` (files of an installed package):
    named for their paths, sizes and times and our ``version``, so reinstalling the package
    or changing what we derive makes a new one. None if a source is missing."""
    try:
        ident = [version, *(f"{p}|{p.stat().st_size}|{p.stat().st_mtime_ns}" for p in sources)]
    except OSError:
        return None
    digest = hashlib.sha256("\n".join(ident).encode()).hexdigest()[:16]
    return cache_root() / f"{kind}-{digest}"


def save_folder(folder: Path, write: Callable[[Path], None]) -> None:
    """Fill ``folder`` all at once: ``write`` fills a temporary sibling, which is renamed
    into place, so a concurrent build never reads half of it. If another build got there
    first, its copy stands."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        write(work)
        try:
            work.rename(folder)
        except OSError:
            if not folder.is_dir():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
