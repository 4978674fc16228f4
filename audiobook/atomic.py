"""Writing a file so that a reader sees the old one or the new one, never a mix.

One way for every file we publish or cache: a private temporary file beside the target,
flushed and fsynced, given the permissions any file the user makes would have, renamed
over the target, and the folder fsynced so the rename itself survives a power cut. Writers
that make the file another way (ffmpeg muxing, a zip archive) use :func:`atomic_path` or
:func:`atomic_file` and get the same guarantees.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: The process's file-creation mask, read once at import (reading it means setting it).
UMASK = _umask()
#: Permissions of a file the user makes: mkstemp makes its file private (0600), but a
#: published one is read by others (a web server reads feed.xml as another user).
FILE_MODE = 0o666 & ~UMASK
#: The same for a folder (mkdtemp makes it 0700).
DIR_MODE = 0o777 & ~UMASK


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: not every file system allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(
    path: Path, *, suffix: str = ".tmp", before_replace: Callable[[], None] | None = None
) -> Iterator[Path]:
    """A temporary path beside ``path`` for a writer that makes the file itself (ffmpeg);
    once the block ends it is fsynced and renamed over ``path``. On any error it is deleted
    and ``path`` is as it was. ``before_replace`` runs just before the rename (crash tests)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with contextlib.suppress(AttributeError, OSError):
            os.chmod(tmp, FILE_MODE)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


@contextlib.contextmanager
def atomic_file(
    path: Path, *, before_replace: Callable[[], None] | None = None
) -> Iterator[BinaryIO]:
    """An open binary file whose contents replace ``path`` atomically when the block ends
    (see :func:`atomic_path`)."""
    with atomic_path(path, before_replace=before_replace) as tmp, open(tmp, "wb") as handle:
        yield handle


def atomic_write(
    path: Path, data: bytes, *, before_replace: Callable[[], None] | None = None
) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_file(path, before_replace=before_replace) as handle:
        handle.write(data)
