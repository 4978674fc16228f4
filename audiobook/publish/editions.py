"""The editions of an episode beside its MP3 (DAISY 2.02, EPUB 3 read-along, M4B), made
from its record alone: during a build, into its staging, or later for an episode already
published (``audiobook daisy|epub|m4b``), as one more change to the output folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from audiobook.errors import PublishError
from audiobook.models import EpisodeRecord
from audiobook.publish import site
from audiobook.publish.cover import ensure_cover
from audiobook.publish.store import FeedSettings, Store
from audiobook.publish.store import staging as stage_folder

#: The AAC encode of the episode's PCM (``build --m4b``), in the staging folder.
STAGED_AAC = "episode.aac.mp4"
#: The EPUB's language tag: the text is converted to Simplified Chinese (script subtag, so a
#: reading system picks a Simplified font and voice).
EPUB_LANGUAGE = "zh-Hans"
#: Artwork an EPUB (core media types) and an M4B can carry; anything else the user set by
#: hand is left out rather than making an invalid book.
BOOK_COVERS = (".jpg", ".jpeg", ".png")


def find_episode(store: Store, episode: str) -> EpisodeRecord:
    """A published episode by id or MP3 name/path, or a one-line error naming the others."""
    wanted = Path(episode).name
    records = store.episodes()
    record = next(
        (r for r in records if wanted in (r.id, Path(r.mp3).name, Path(r.mp3).stem)), None
    )
    if record is None:
        known = ", ".join(r.id for r in records) or "none"
        raise PublishError(f"no episode {episode!r} in {store.root} (episodes: {known})")
    return record


def _usable(cover: Path | None) -> Path | None:
    return cover if cover is not None and cover.suffix.lower() in BOOK_COVERS else None


def make_daisy(output: Path, episode: str) -> Path:
    """Write the DAISY 2.02 edition of a published episode (by id or MP3 path); return its zip."""
    from audiobook.publish.daisy import daisy_paths

    store = Store(output)
    with store.locked():
        record = find_episode(store, episode)
        author = store.settings().author
        if not set(daisy_paths(record.mp3)) & set(record.files.values()):
            # New files: listed first, so a kill before they are recorded takes them back.
            store.intend(list(daisy_paths(record.mp3)))
        files, _, zipped = write_daisy(record, author, output / record.mp3, store.inside)
        # Recorded in the episode (so feed remove deletes it) and offered on the web page.
        site.attach_files(store, record.id, files)
        return zipped


def write_daisy(
    record: EpisodeRecord, publisher: str, mp3: Path, place: Callable[[str], Path]
) -> tuple[dict[str, str], Path, Path]:
    """The DAISY edition of ``record``'s episode (its audio: ``mp3``), the fileset written
    where ``place`` puts its published name. Returns the record's ``files`` entries for it,
    the fileset and its zip."""
    from audiobook.publish.daisy import book_from_record, daisy_paths
    from audiobook.publish.daisy import write_daisy as write_fileset

    folder, archive = daisy_paths(record.mp3)
    fileset = place(folder)
    zipped = write_fileset(book_from_record(record, publisher=publisher), mp3, fileset)
    return dict(zip(site.DAISY_KEYS, (folder, archive), strict=True)), fileset, zipped


def make_epub(output: Path, episode: str) -> Path:
    """Write the EPUB 3 read-along book of a published episode (by id or MP3 path); return
    its path. Recorded in the episode (so ``feed remove`` deletes it) and offered on the page."""
    from audiobook.publish.epub import epub_path

    store = Store(output)
    with store.locked():
        record = find_episode(store, episode)
        settings = store.settings()
        name = epub_path(record.mp3)
        if name not in record.files.values():
            # A new file: listed first, so a kill before it is recorded takes it back.
            store.intend([name])
        cover = ensure_cover(store.root, settings.title, settings.author, settings.cover)
        files, path = write_epub(
            record, settings.author, output / record.mp3, store.root / cover, store.inside
        )
        site.attach_files(store, record.id, files)
        return path


def write_epub(
    record: EpisodeRecord,
    publisher: str,
    mp3: Path,
    cover: Path | None,
    place: Callable[[str], Path],
) -> tuple[dict[str, str], Path]:
    """The EPUB of ``record``'s episode (its audio: ``mp3``), written where ``place`` puts
    its published name. Returns the record's ``files`` entry for it and the file."""
    from audiobook.publish.daisy import book_from_record
    from audiobook.publish.epub import epub_path
    from audiobook.publish.epub import write_epub as write_book

    name = epub_path(record.mp3)
    book = book_from_record(record, publisher=publisher, language=EPUB_LANGUAGE)
    path = write_book(book, mp3, place(name), _usable(cover), record.updated or record.pub_date)
    return {"epub": name}, path


def make_m4b(output: Path, episode: str) -> Path:
    """Write the M4B audiobook of a published episode (by id or MP3 path); return its path.

    The episode's PCM is gone once it is built, so this decodes its MP3 (priming and padding
    cut, so the chapters still fall on the same samples) and encodes that as AAC: a
    transcode, unlike ``build --m4b``, which encodes the PCM itself."""
    from audiobook.audio import encode_aac, read_gapless
    from audiobook.publish.m4b import m4b_path

    store = Store(output)
    with store.locked():
        record = find_episode(store, episode)
        settings = store.settings()
        mp3 = store.inside(record.mp3)
        gapless = read_gapless(mp3)
        if gapless is None:
            raise PublishError(f"{mp3}: no gapless record (iTunSMPB); rebuild with --m4b")
        name = m4b_path(record.mp3)
        if name not in record.files.values():
            store.intend([name])  # listed first: a kill before it is recorded takes it back
        cover = store.root / ensure_cover(
            store.root, settings.title, settings.author, settings.cover
        )
        with stage_folder(output) as staging:
            aac = staging / STAGED_AAC
            encode_aac(mp3, aac, 0, None, gapless=gapless)
            _, path = write_m4b(record, settings, aac, cover, store.inside)
        site.attach_files(store, record.id, {"m4b": name})
        return path


def write_m4b(
    record: EpisodeRecord,
    settings: FeedSettings,
    aac: Path,
    cover: Path | None,
    place: Callable[[str], Path],
) -> tuple[str, Path]:
    """The M4B of ``record``'s episode from its AAC encode ``aac``, written where ``place``
    puts its published name; returns that name and the file."""
    from audiobook.publish.m4b import Tags, m4b_path
    from audiobook.publish.m4b import write_m4b as mux

    name = m4b_path(record.mp3)
    chapters = list(record.chapters)
    if chapters:
        # A QuickTime chapter track tiles its track from 0, so its first chapter starts at
        # 0 whatever it is told; the Nero list is told the same, so both agree. That moves
        # only the first start, over the lead-in silence before the first word.
        chapters[0] = replace(chapters[0], start_s=0.0)
    tags = Tags(
        title=record.title,
        author=record.byline or settings.author,
        album=settings.title,
        year=record.pub_date[:4],
    )
    return name, mux(aac, place(name), chapters, tags, _usable(cover))
