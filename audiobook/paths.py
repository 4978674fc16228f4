"""Where audiobook keeps what it can make again."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


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
        stats = [(p, p.stat()) for p in sources]
    except OSError:
        return None
    ident = [version, *(f"{p}|{st.st_size}|{st.st_mtime_ns}" for p, st in stats)]
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


def open_or_build(
    folder: Path | None,
    open_: Callable[[Path], T],
    build: Callable[[], T],
    save: Callable[[T, Path], None],
) -> T:
    """A derived store: opened from ``folder`` if it is there, else built and saved there
    (see :func:`save_folder`) for next time. A folder that fails to open (a full disk, a
    stray edit) is deleted and built again; where the cache cannot be written the store is
    built for this process only."""
    if folder is not None and folder.is_dir():
        try:
            return open_(folder)
        except (OSError, ValueError, EOFError, TypeError, RuntimeError):
            shutil.rmtree(folder, ignore_errors=True)
    built = build()
    if folder is not None:
        with contextlib.suppress(OSError):
            save_folder(folder, lambda work: save(built, work))
    return built
