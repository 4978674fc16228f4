"""The one store of published state: feed settings and episode records in the output folder.

``feed.xml`` (and any other rendering) is derived from this store, so regenerating it is
always safe. Every file is written atomically (temp file, fsync, rename) and every change
happens under an exclusive lock, so concurrent builds into one folder serialise and a build
that fails or is killed leaves the published files exactly as they were.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

from audiobook.errors import PublishError

STORE_NAME = "episodes.json"
SETTINGS_NAME = "feed.json"
LOCK_NAME = ".audiobook.lock"
EPISODES_DIR = "episodes"


@dataclass
class FeedSettings:
    """What a listener's app shows for the show as a whole."""

    title: str = "Audio editions"
    author: str = "audiobook"
    description: str = "Articles read aloud, produced with audiobook."
    link: str = "https://example.invalid/"
    language: str = "zh-cn"
    base_url: str = ""
    category: str = "News"
    explicit: bool = False


@dataclass
class EpisodeRecord:
    """Everything the feed needs about one episode; paths are relative to the output folder."""

    id: str
    guid: str
    title: str
    mp3: str
    bytes: int
    duration_s: float
    pub_date: str
    engine: str
    voice: str
    chapters: list[dict[str, object]]
    byline: str | None = None
    source: str | None = None
    updated: str | None = None
    files: dict[str, str] = field(default_factory=dict)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` so that readers see the old file or the new one, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class Store:
    """Read and change the published state of one output folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def feed_path(self) -> Path:
        return self.root / "feed.xml"

    @contextlib.contextmanager
    def locked(self, timeout_s: float = 600) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.root / LOCK_NAME))
        try:
            with lock.acquire(timeout=timeout_s):
                yield
        except Timeout as exc:
            raise PublishError(f"{self.root}: another build holds the lock") from exc

    def settings(self) -> FeedSettings:
        path = self.root / SETTINGS_NAME
        if not path.exists():
            return FeedSettings()
        try:
            raw = json.loads(path.read_text("utf-8"))
            known = set(FeedSettings.__dataclass_fields__)
            return FeedSettings(**{k: v for k, v in raw.items() if k in known})
        except (OSError, ValueError, TypeError) as exc:
            raise PublishError(f"{path}: unreadable feed settings ({exc})") from exc

    def save_settings(self, settings: FeedSettings) -> None:
        data = json.dumps(asdict(settings), ensure_ascii=False, indent=2) + "\n"
        atomic_write(self.root / SETTINGS_NAME, data.encode("utf-8"))

    def episodes(self) -> list[EpisodeRecord]:
        path = self.root / STORE_NAME
        if not path.exists():
            return []
        try:
            raw = json.loads(path.read_text("utf-8"))
            return [EpisodeRecord(**item) for item in raw["episodes"]]
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise PublishError(f"{path}: unreadable episode store ({exc})") from exc

    def save_episodes(self, episodes: list[EpisodeRecord]) -> None:
        payload = {"version": 1, "episodes": [asdict(e) for e in episodes]}
        data = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
        atomic_write(self.root / STORE_NAME, data.encode("utf-8"))
