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
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

from audiobook.errors import ConfigError, PublishError

STORE_NAME = "episodes.json"
SETTINGS_NAME = "feed.json"
LOCK_NAME = ".audiobook.lock"
EPISODES_DIR = "episodes"


#: Apple Podcasts' category list (top level → subcategories); apps reject other names.
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": (
        "Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit",
    ),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": (
        "Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality",
    ),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies",
        "Home & Garden", "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News", "Daily News", "Entertainment News", "News Commentary", "Politics",
        "Sports News", "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality",
    ),
    "Science": (
        "Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
        "Natural Sciences", "Nature", "Physics", "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships",
    ),
    "Sports": (
        "Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey",
        "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness",
        "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}  # fmt: skip


def parse_category(value: str) -> tuple[str, str | None]:
    """``News/Daily News`` → ("News", "Daily News"); names outside Apple's list are refused
    because Apple rejects the whole feed for one unknown category."""
    top, _, sub = (part.strip() for part in value.partition("/"))
    lookup = {name.lower(): name for name in APPLE_CATEGORIES}
    name = lookup.get(top.lower())
    if name is None:
        raise ConfigError(
            f"category {value!r} is not one of Apple's ({', '.join(APPLE_CATEGORIES)}); "
            "a subcategory is written Parent/Sub"
        )
    if not sub:
        return name, None
    subs = {s.lower(): s for s in APPLE_CATEGORIES[name]}
    if sub.lower() not in subs:
        choices = ", ".join(APPLE_CATEGORIES[name]) or "none"
        raise ConfigError(f"{name!r} has no subcategory {sub!r} (it has: {choices})")
    return name, subs[sub.lower()]


@dataclass
class FeedSettings:
    """What a listener's app shows for the show as a whole (``feed.json`` in the output folder).

    ``cover`` names an image file inside the output folder; empty means one is generated from
    the title. ``guid`` pins the Podcasting 2.0 ``podcast:guid`` (empty: derived from the feed
    URL, which needs ``base_url``) so a show that moves host keeps its identity.
    """

    title: str = "Audio editions"
    author: str = "audiobook"
    description: str = "Articles read aloud, produced with audiobook."
    #: The show's web page; empty means the generated index.html under ``base_url``.
    link: str = ""
    language: str = "zh-cn"
    base_url: str = ""
    category: str = "News"
    explicit: bool = False
    cover: str = ""
    email: str = ""
    type: str = "episodic"
    locked: bool = True
    guid: str = ""


#: Keys a user may change with ``audiobook feed set`` (``cover`` goes through the cover check).
SETTING_KEYS = tuple(FeedSettings.__dataclass_fields__)
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def coerce_setting(key: str, value: str) -> object:
    """Turn the text a user typed into a checked setting value (one-line error if wrong)."""
    if key not in SETTING_KEYS:
        raise ConfigError(f"unknown feed setting {key!r} (settings: {', '.join(SETTING_KEYS)})")
    text = value.strip()
    if key in ("explicit", "locked"):
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ConfigError(f"{key} must be true or false, not {value!r}")
    if key == "category":
        top, sub = parse_category(text)
        return f"{top}/{sub}" if sub else top
    if key == "type" and text not in ("episodic", "serial"):
        raise ConfigError(f"type must be episodic or serial, not {value!r}")
    if key in ("base_url", "link") and text and not re.match(r"^https?://[^\s/]+", text):
        raise ConfigError(f"{key} must be an http(s) URL, not {value!r}")
    if key == "language" and not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", text):
        raise ConfigError(f"language must be a code such as zh-cn, not {value!r}")
    if key == "guid" and text:
        try:
            return str(uuid.UUID(text))
        except ValueError:
            raise ConfigError(f"guid must be a UUID, not {value!r}") from None
    if key in ("title", "author") and not text:
        raise ConfigError(f"{key} cannot be empty")
    if key == "language":
        return text.lower()
    return text


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
    #: Sentence cues (text, start_s, end_s) for the web page's transcript.
    cues: list[dict[str, object]] = field(default_factory=list)
    #: An edition's articles in order (title, link or None): its show notes.
    articles: list[dict[str, object]] = field(default_factory=list)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: The process's file-creation mask, read once at import (reading it means setting it).
_UMASK = _umask()


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` so that readers see the old file or the new one, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); a published file must be readable as any
        # other file the user creates (a web server reads feed.xml as another user).
        with contextlib.suppress(AttributeError, OSError):
            os.fchmod(fd, 0o666 & ~_UMASK)
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


def replace_dir(source: Path, target: Path) -> None:
    """Put folder ``source`` at ``target``, replacing any folder there. A folder cannot be
    renamed over a full one, so the old one steps aside first and goes once the new one is
    in place: a reader sees the old fileset or the new one, never half of each."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.replace(old)
    source.replace(target)
    shutil.rmtree(old, ignore_errors=True)


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
            known = set(EpisodeRecord.__dataclass_fields__)
            return [
                EpisodeRecord(**{k: v for k, v in item.items() if k in known})
                for item in raw["episodes"]
            ]
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise PublishError(f"{path}: unreadable episode store ({exc})") from exc

    def save_episodes(self, episodes: list[EpisodeRecord]) -> None:
        payload = {"version": 1, "episodes": [asdict(e) for e in episodes]}
        data = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
        atomic_write(self.root / STORE_NAME, data.encode("utf-8"))

    def inside(self, relative: str, under: str = EPISODES_DIR) -> Path:
        """The absolute path of an episode file named in the store, refusing any outside
        ``under``: ``episodes.json`` is a file users may edit by hand, and ``feed remove``
        deletes what it names."""
        base = self.root.resolve()
        allowed = (base / under).resolve()
        path = (base / relative).resolve()
        if not relative or not path.is_relative_to(allowed) or path == allowed:
            raise PublishError(f"{self.root}: refusing path {relative!r} outside the output folder")
        return path
