"""One file over HTTP(S), resumable and checked: what ``audiobook voices install`` fetches.

A voice is 20-120 MB from a release page, over links that drop. The bytes go to
``DEST.part``; a later run asks for the rest (``Range``) instead of starting again, and only
a file whose size and digest match the catalogue is renamed to ``DEST``. A wrong digest
removes the partial file (a resumed download of a changed file can never match) and says so
in one line.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audiobook.errors import AudiobookError

_CHUNK = 1 << 16
TIMEOUT_S = 30.0


class DownloadError(AudiobookError):
    """A file could not be fetched, or was not the file the catalogue describes."""

    exit_code = 5


@dataclass(frozen=True)
class Expected:
    """What the catalogue says a file is: its size and one digest (``md5`` where upstream
    publishes only that, as Piper's ``voices.json`` does; ``sha256`` where we know it)."""

    size: int | None
    algorithm: str
    digest: str

    def __post_init__(self) -> None:
        if self.algorithm not in ("md5", "sha256"):
            raise ValueError(f"unknown digest algorithm {self.algorithm!r}")


def file_digest(path: Path, algorithm: str) -> str:
    hasher = hashlib.new(algorithm)
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def fetch(
    url: str,
    dest: Path,
    expected: Expected,
    *,
    progress: Callable[[int, int | None], None] | None = None,
    timeout_s: float = TIMEOUT_S,
) -> Path:
    """Download ``url`` to ``dest`` (resuming ``dest.part``) and verify it; DownloadError
    otherwise. ``progress(done, total)`` is called as bytes arrive."""
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    if expected.size is not None and have > expected.size:
        part.unlink()
        have = 0
    if expected.size is None or have < expected.size:
        _get(url, part, have, expected.size, progress, timeout_s)
    size = part.stat().st_size
    if expected.size is not None and size != expected.size:
        raise DownloadError(
            f"{url}: got {size} bytes, expected {expected.size} (run it again to resume)"
        )
    actual = file_digest(part, expected.algorithm)
    if actual != expected.digest.lower():
        part.unlink()
        raise DownloadError(
            f"{url}: {expected.algorithm} {actual} is not the catalogue's {expected.digest}; "
            "nothing installed"
        )
    part.replace(dest)
    return dest


def _get(
    url: str,
    part: Path,
    have: int,
    size: int | None,
    progress: Callable[[int, int | None], None] | None,
    timeout_s: float,
) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "audiobook"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout_s)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # nothing left to send: the digest decides
            return
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"{url}: cannot connect ({reason})") from None
    with contextlib.closing(response):
        resumed = have and response.status == 206
        mode = "ab" if resumed else "wb"
        done = have if resumed else 0
        length = response.headers.get("Content-Length")
        total = size if size is not None else (done + int(length) if length else None)
        with part.open(mode) as out:
            try:
                while block := response.read(_CHUNK):
                    out.write(block)
                    done += len(block)
                    if progress:
                        progress(done, total)
            except (OSError, http.client.HTTPException) as exc:
                raise DownloadError(
                    f"{url}: the connection dropped after {done} bytes ({exc}); "
                    "run it again to resume"
                ) from None
