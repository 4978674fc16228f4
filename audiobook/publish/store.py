"""The one store of published state: feed settings and episode records in the output folder.

``feed.xml`` (and any other rendering) is derived from this store, so regenerating it is
always safe. Every file is written atomically (temp file, fsync, rename) and every change
happens under an exclusive lock, so concurrent builds into one folder serialise and a build
that fails or is killed leaves the published files exactly as they were.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Collection, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: staging is swept by age alone
    fcntl = None  # type: ignore[assignment]  # the module or None; its users check which

from audiobook.errors import ConfigError, PublishError
from audiobook.publish.urls import URL_KEYS, public_url

STORE_NAME = "episodes.json"
SETTINGS_NAME = "feed.json"
LOCK_NAME = ".audiobook.lock"
#: The publishing journal: written (atomically) once every new file is in place under its
#: own new name; its presence is the commit. See :meth:`Store.finish`.
JOURNAL_NAME = ".audiobook.journal.json"
#: The new files a publish is about to move in, written before the first: if it dies before
#: its commit, these (and nothing else) are what the next command deletes.
INTENT_NAME = ".audiobook.intent.json"
EPISODES_DIR = "episodes"
#: Environment variable for crash tests: end the process (``os._exit``, as SIGKILL would) at
#: the N-th publishing step reached (see :func:`crash_point`).
CRASH_ENV = "AUDIOBOOK_CRASH_AT"
_steps = 0


def crash_point(step: str) -> None:
    """A step of publishing at which a crash test may kill the process (``AUDIOBOOK_CRASH_AT=N``
    ends it at the N-th step reached, ``=move`` at the first step whose name starts so,
    without cleanup). A no-op otherwise."""
    global _steps
    wanted = os.environ.get(CRASH_ENV)
    if not wanted:
        return
    _steps += 1
    if wanted == str(_steps) or (not wanted.isdigit() and step.startswith(wanted)):
        os._exit(137)


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
    if key in URL_KEYS:
        return public_url(key, text)
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
    #: Which article this is (see :func:`audiobook.pipeline.article_key`): a rebuild of the
    #: same article replaces the episode, another article with the same title does not.
    article: str | None = None
    #: An edition's articles in order (title, link or None): its show notes.
    articles: list[dict[str, object]] = field(default_factory=list)


#: Errors of the disk rather than of the program: what a full or read-only disk, a quota or
#: missing permissions raise while files are written.
DISK_ERRNOS = frozenset(
    getattr(errno, name)
    for name in ("ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EIO", "EFBIG", "ENOENT")
    if hasattr(errno, name)
)


def disk_error(folder: Path, exc: OSError) -> PublishError:
    """The one-line publishing failure for ``exc``, raised while writing into ``folder``."""
    cause = exc.strerror or str(exc) or type(exc).__name__
    return PublishError(f"{folder}: cannot publish ({cause})")


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
        if not path.parent.name.startswith("."):  # not staging: a published file
            crash_point(f"write {path.name}")
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


STAGING_PREFIX = ".build-"
STAGING_LOCK = ".lock"
#: A staging folder without a lock file (one from an older version, or one being created this
#: instant) is swept only once it is this old.
STAGING_MAX_AGE_S = 6 * 3600


@contextlib.contextmanager
def staging(root: Path) -> Iterator[Path]:
    """A private staging folder in ``root`` for one build, locked for as long as the build
    lives (an ``flock``, which the kernel lets go of when the process dies, however it dies)
    and removed after. Staging that died with its build is swept first."""
    root.mkdir(parents=True, exist_ok=True)
    sweep_staging(root)
    folder = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=root))
    # Locked under another name, then renamed: a sweeper never finds the lock file unlocked
    # while this build lives (between its creation and the flock).
    fd = os.open(folder / f"{STAGING_LOCK}.new", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.replace(folder / f"{STAGING_LOCK}.new", folder / STAGING_LOCK)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)


def sweep_staging(root: Path, max_age_s: float = STAGING_MAX_AGE_S) -> list[Path]:
    """Remove the staging folders of builds that are gone: their lock is free (the process
    died: SIGKILL, power loss), or, with no lock to ask, they are older than ``max_age_s``.
    A live build's staging is never touched. Returns what was removed."""
    removed = []
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        for folder in root.glob(f"{STAGING_PREFIX}*"):
            if not folder.is_dir() or folder.is_symlink():
                continue
            if _staging_abandoned(folder, max_age_s):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed


def _staging_abandoned(folder: Path, max_age_s: float) -> bool:
    try:
        fd = os.open(folder / STAGING_LOCK, os.O_RDWR)
    except FileNotFoundError:
        with contextlib.suppress(FileNotFoundError):
            return time.time() - folder.stat().st_mtime > max_age_s
        return False
    except OSError:
        return False
    try:
        if fcntl is None:
            return time.time() - folder.stat().st_mtime > max_age_s
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a live build holds it
        return True
    finally:
        os.close(fd)


def delete_files(paths: Iterable[Path]) -> None:
    """Delete episode files and folders (a DAISY fileset is a folder); missing ones are fine.
    Callers resolve the paths with ``Store.inside`` first."""
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        crash_point(f"delete {path.name}")


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _leftover(entry: Path, *, in_episodes: bool) -> bool:
    """A hidden temporary file or folder of ours that outlived its writer: an atomic write's
    temporary file, a DAISY edition's staging, a fileset that was stepping aside."""
    name = entry.name
    if not name.startswith("."):
        return False
    return name.endswith(".tmp") or (
        in_episodes and (name.startswith(".daisy-") or name.endswith(".old"))
    )


class Store:
    """Read and change the published state of one output folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def feed_path(self) -> Path:
        return self.root / "feed.xml"

    @contextlib.contextmanager
    def locked(self, timeout_s: float = 600) -> Iterator[None]:
        """Hold the folder's lock. Everything done under it is publishing: a file that cannot
        be written (a full or read-only disk, no permission) is a :class:`PublishError` with
        its cause in one line, never an internal error."""
        lock = FileLock(str(self.root / LOCK_NAME))
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            lock.acquire(timeout=timeout_s)
        except Timeout as exc:
            raise PublishError(f"{self.root}: another build holds the lock") from exc
        except OSError as exc:
            raise disk_error(self.root, exc) from exc
        try:
            self.recover()
            yield
        except OSError as exc:
            raise disk_error(self.root, exc) from exc
        finally:
            with contextlib.suppress(OSError):
                lock.release()

    # Publishing is a transaction. New files go in under new names (an episode's files are
    # versioned, see site.episode_files), where nothing published points yet; then the journal
    # is written, atomically: from that instant the change has happened. The journal holds
    # everything still to do: the settings, the store, the rendered page and feed, and the old
    # files to delete. Applying it is idempotent, so a process killed anywhere after the
    # commit is finished by the next command that takes the lock, and one killed before it
    # leaves only unreferenced new files, which that command sweeps. Old files go last, after
    # feed.xml no longer names them, so a reader of any published file finds what it names.

    def begin(
        self,
        *,
        settings: FeedSettings | None,
        episodes: list[EpisodeRecord],
        derived: dict[str, bytes],
        obsolete: list[str],
    ) -> None:
        """Commit: write the journal of a change whose new files are already in place."""
        for name in obsolete:
            self.inside(name)  # refused before anything is decided
        journal = {
            "settings": asdict(settings) if settings is not None else None,
            "episodes": [asdict(e) for e in episodes],
            "derived": {name: data.decode("utf-8") for name, data in derived.items()},
            "obsolete": obsolete,
        }
        data = json.dumps(journal, ensure_ascii=False).encode("utf-8")
        atomic_write(self.root / JOURNAL_NAME, data)
        crash_point("journal")

    def finish(self) -> None:
        """Apply the journal, if there is one: settings, store, page and feed (each atomically,
        in that order), then delete the files nothing names any more, then the journal."""
        path = self.root / JOURNAL_NAME
        try:
            journal = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return
        except ValueError:  # never written whole (atomic_write): nothing was committed
            path.unlink()
            return
        if journal.get("settings") is not None:
            self.save_settings(FeedSettings(**journal["settings"]))
        payload = {"version": 1, "episodes": journal["episodes"]}
        data = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
        atomic_write(self.root / STORE_NAME, data.encode("utf-8"))
        for name, text in journal["derived"].items():  # the page, then feed.xml
            atomic_write(self.root / name, text.encode("utf-8"))
        delete_files(self.inside(name) for name in journal["obsolete"])
        crash_point("deleted")
        (self.root / INTENT_NAME).unlink(missing_ok=True)
        path.unlink()
        _fsync_dir(self.root)

    def intend(self, names: list[str]) -> None:
        """Record the new files (relative names) a publish is about to move in."""
        data = json.dumps(names, ensure_ascii=False).encode("utf-8")
        atomic_write(self.root / INTENT_NAME, data)

    def abandon(self) -> None:
        """Delete the new files of a publish that never committed (see :meth:`intend`)."""
        path = self.root / INTENT_NAME
        try:
            names = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return
        except ValueError:  # never written whole: nothing was moved yet
            names = []
        delete_files(self.inside(name) for name in names)
        path.unlink()

    def recover(self) -> None:
        """Finish a change a killed process committed, and take back what an uncommitted one
        left: the new files it had moved in (its intent), its staging, temporary files.
        Runs under the lock, before any change. Nothing else in the folder is touched."""
        self.finish()
        self.abandon()
        sweep_staging(self.root)
        for folder in (self.root, self.root / EPISODES_DIR):
            with contextlib.suppress(FileNotFoundError):
                for entry in folder.iterdir():
                    if _leftover(entry, in_episodes=folder.name == EPISODES_DIR):
                        delete_files([entry])

    def settings(self, *, replacing: Collection[str] = ()) -> FeedSettings:
        """The feed settings, their URLs checked as a flag's would be (``feed.json`` is a file
        users edit by hand). Keys in ``replacing`` are about to be set anew and go unchecked,
        so ``feed set base_url URL`` (or ``build --base-url URL``) can repair a bad one."""
        path = self.root / SETTINGS_NAME
        if not path.exists():
            return FeedSettings()
        try:
            raw = json.loads(path.read_text("utf-8"))
            known = set(FeedSettings.__dataclass_fields__)
            settings = FeedSettings(**{k: v for k, v in raw.items() if k in known})
        except (OSError, ValueError, TypeError) as exc:
            raise PublishError(f"{path}: unreadable feed settings ({exc})") from exc
        for key in URL_KEYS:
            if key not in replacing:
                try:
                    public_url(key, str(getattr(settings, key)))
                except ConfigError as exc:
                    raise ConfigError(
                        f"{path}: {exc} (fix it with: audiobook feed set {key} URL)"
                    ) from None
        return settings

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
