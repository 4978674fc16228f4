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
import shutil
import tempfile
import time
from collections.abc import Collection, Iterable, Iterator
from dataclasses import asdict
from pathlib import Path

from filelock import FileLock, Timeout

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: staging is swept by age alone
    fcntl = None  # type: ignore[assignment]  # the module or None; its users check which

from audiobook.atomic import atomic_write, fsync_dir
from audiobook.errors import ConfigError, PublishError, RecordError
from audiobook.models import EpisodeRecord
from audiobook.publish.record import read_store, record_to_json, store_bytes
from audiobook.publish.settings import (
    APPLE_CATEGORIES,
    SETTING_KEYS,
    FeedSettings,
    coerce_setting,
    parse_category,
)
from audiobook.publish.urls import URL_KEYS, public_url

#: Names other modules have long imported from here; the record and the settings have
#: modules of their own (publish.record, publish.settings).
__all__ = [
    "APPLE_CATEGORIES", "CRASH_ENV", "EPISODES_DIR", "INTENT_NAME", "JOURNAL_NAME",
    "SETTING_KEYS", "STORE_NAME", "EpisodeRecord", "FeedSettings", "Store", "coerce_setting",
    "crash_point", "delete_files", "disk_error", "parse_category", "replace_dir", "staging",
    "sweep_staging",
]  # fmt: skip

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


def _write(path: Path, data: bytes) -> None:
    """A published file of the store, written atomically; a crash test may end the process
    just before its rename (see :func:`crash_point`)."""
    atomic_write(path, data, before_replace=lambda: crash_point(f"write {path.name}"))


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
            "episodes": [record_to_json(e) for e in episodes],
            "derived": {name: data.decode("utf-8") for name, data in derived.items()},
            "obsolete": obsolete,
        }
        data = json.dumps(journal, ensure_ascii=False).encode("utf-8")
        _write(self.root / JOURNAL_NAME, data)
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
        _write(self.root / STORE_NAME, store_bytes(journal["episodes"]))
        for name, text in journal["derived"].items():  # the page, then feed.xml
            _write(self.root / name, text.encode("utf-8"))
        delete_files(self.inside(name) for name in journal["obsolete"])
        crash_point("deleted")
        (self.root / INTENT_NAME).unlink(missing_ok=True)
        path.unlink()
        fsync_dir(self.root)

    def intend(self, names: list[str]) -> None:
        """Record the new files (relative names) a publish is about to move in."""
        data = json.dumps(names, ensure_ascii=False).encode("utf-8")
        _write(self.root / INTENT_NAME, data)

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
        _write(self.root / SETTINGS_NAME, data.encode("utf-8"))

    def episodes(self) -> list[EpisodeRecord]:
        """Every published episode, each checked (:mod:`audiobook.publish.record`): a
        damaged or hand-broken ``episodes.json`` is a :class:`RecordError` naming the
        episode and key, and is never written over."""
        path = self.root / STORE_NAME
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError:
            return []
        except UnicodeDecodeError as exc:
            raise RecordError(f"{path}: damaged episode store, not UTF-8 ({exc.reason})") from None
        except OSError as exc:
            raise PublishError(f"{path}: unreadable episode store ({exc.strerror})") from exc
        return read_store(text, str(path))

    def save_episodes(self, episodes: list[EpisodeRecord]) -> None:
        _write(self.root / STORE_NAME, store_bytes([record_to_json(e) for e in episodes]))

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
