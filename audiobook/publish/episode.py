"""Publishing a new build as one transaction: stage its files, make its record, commit.

A build hands over a :class:`NewEpisode` (its audio already encoded into the staging
folder) and :class:`PublishOptions`; :func:`publish` writes the files that derive from it
(chapters JSON, transcripts, the build record, ID3 tags, the editions asked for) into
staging, then, under the folder's lock, decides the episode's id and guid (a rebuild of the
same article keeps them), makes its :class:`~audiobook.models.EpisodeRecord` and commits
everything at once (:func:`audiobook.publish.site.commit`): the feed names the old files or
the new ones, never a mix, and a failure anywhere leaves what was published as it was.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from audiobook.errors import ConfigError
from audiobook.models import (
    ArticleNote,
    Chapter,
    Cue,
    Document,
    EpisodeFiles,
    EpisodeRecord,
)
from audiobook.publish import editions, id3, site
from audiobook.publish.chapters import chapters_json
from audiobook.publish.cover import ensure_cover, stage_cover
from audiobook.publish.store import Store
from audiobook.publish.transcript import write_srt, write_vtt

#: The encoded episode a build leaves in its staging folder for :func:`publish`.
STAGED_MP3 = "episode.mp3"


@dataclass(frozen=True)
class NewEpisode:
    """A built episode, ready to publish: what its record, tags and files are made from."""

    #: The title as published (already cleaned for feeds and tags by the build).
    title: str
    #: Where the article came from (a path, a URL, ``<stdin>``).
    source: str
    #: Which article this is (:func:`article_key`).
    article: str
    engine: str
    voice: str
    duration_s: float
    chapters: tuple[Chapter, ...]
    #: One per sentence heard, ``section`` being the article's section (as assembled).
    cues: tuple[Cue, ...]
    #: The build record (``build.json``): what made the episode, for the producer.
    build: Mapping[str, Any]
    byline: str | None = None
    language: str = "zh-CN"
    #: An edition's articles (its show notes); an edition's chapters are titled by path.
    articles: tuple[ArticleNote, ...] = ()
    edition: bool = False
    #: The tags' date (an edition's own day); default: the day it is published.
    date: str | None = None


@dataclass(frozen=True)
class PublishOptions:
    """How a build publishes (see ``BuildOptions`` for each option's meaning)."""

    output: Path
    base_url: str | None = None
    cover: Path | None = None
    replace: str | None = None
    daisy: bool = False
    epub: bool = False
    m4b: bool = False

    @property
    def replacing(self) -> tuple[str, ...]:
        """Feed settings this build sets anew (unchecked when feed.json is read)."""
        return ("base_url",) if self.base_url is not None else ()


def article_key(document: Document) -> str:
    """What makes two builds the same article: the same file (by its absolute path, so an
    edited article is still itself), or for stdin the same text."""
    if document.source == "<stdin>":
        return "sha256:" + hashlib.sha256(document.text.encode("utf-8")).hexdigest()
    return f"file:{Path(document.source).resolve()}"


def same_article(record: EpisodeRecord, article: str, source: str) -> bool:
    """Is ``record`` the episode of this article (its key; its ``source`` for records made
    before articles had keys, stdin never being the same)?"""
    if record.article is not None:
        return record.article == article
    return source != "<stdin>" and record.source == source


def replaced(store: Store, episode: str, records: Sequence[EpisodeRecord]) -> EpisodeRecord:
    """The episode ``--replace`` names (by id or guid), or a one-line error."""
    found = next((r for r in records if episode in (r.id, r.guid)), None)
    if found is None:
        known = ", ".join(r.id for r in records) or "none"
        raise ConfigError(f"--replace {episode}: no such episode in {store.root} ({known})")
    return found


def chapter_cues(cues: Sequence[Cue]) -> tuple[Cue, ...]:
    """Cues as a record keeps them: ``section`` the index of the cue's chapter (one chapter
    per section heard, in order), times to the millisecond."""
    heard = {s: i for i, s in enumerate(sorted({c.section for c in cues}))}
    return tuple(
        replace(c, start_s=round(c.start_s, 3), end_s=round(c.end_s, 3), section=heard[c.section])
        for c in cues
    )


def _stage(staging: Path, episode: NewEpisode) -> dict[str, Path]:
    """The files that derive from the episode, written into staging, by ``files`` kind."""
    out = {"chapters": staging / "chapters.json", "build": staging / "build.json"}
    out["chapters"].write_bytes(
        chapters_json(episode.chapters, title=episode.title, paths=episode.edition)
    )
    if episode.cues:  # WebVTT and SRT beside the MP3
        out["vtt"], out["srt"] = staging / "episode.vtt", staging / "episode.srt"
        write_vtt(episode.cues, out["vtt"])
        write_srt(episode.cues, out["srt"])
    out["build"].write_text(json.dumps(episode.build, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return out


def publish(
    store: Store, staging: Path, episode: NewEpisode, options: PublishOptions
) -> EpisodeRecord:
    """Stage every file of the episode, then publish under the folder's lock (see
    :mod:`audiobook.publish.site` for the write order that keeps readers and failures safe).
    Returns the episode's record as published."""
    staged_mp3 = staging / STAGED_MP3
    derived = _stage(staging, episode)
    staged_cover = stage_cover(options.cover, staging) if options.cover is not None else None
    with store.locked():
        settings = store.settings(replacing=options.replacing)
        if options.base_url is not None:
            settings.base_url = options.base_url
        if staged_cover is not None:
            settings.cover = staged_cover.name
        records = store.episodes()
        if options.replace is not None:
            previous: EpisodeRecord | None = replaced(store, options.replace, records)
        else:
            previous = next(
                (r for r in records if same_article(r, episode.article, episode.source)), None
            )
        episode_id = (
            previous.id
            if previous
            else site.episode_id(episode.title, Path(episode.source).stem, records)
        )
        now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        id3.write_tags(
            staged_mp3,
            title=episode.title,
            artist=episode.byline or settings.author,
            album=settings.title,
            date=episode.date or now[:10],
            language=episode.language,
            chapters=episode.chapters,
        )
        # New names for this build's files: the published feed keeps naming the old ones
        # (if any) until the commit, and they are deleted after it (see site.commit).
        names = site.episode_files(episode_id, site.new_version())
        while any((options.output / name).exists() for name in names.values()):
            names = site.episode_files(episode_id, site.new_version())
        staged = {names["mp3"]: staged_mp3}
        staged.update({names[kind]: path for kind, path in derived.items()})
        files = EpisodeFiles(mp3=names["mp3"], **{kind: names[kind] for kind in derived})
        # The guid stays with the article: an app that has it fetches nothing new, so
        # another article put in an episode's place (--replace) gets a guid of its own.
        same = previous is not None and same_article(previous, episode.article, episode.source)
        record = EpisodeRecord(
            id=episode_id,
            guid=previous.guid if previous and same else f"urn:uuid:{uuid.uuid4()}",
            title=episode.title,
            mp3=names["mp3"],
            bytes=staged_mp3.stat().st_size,
            duration_s=round(episode.duration_s, 3),
            pub_date=previous.pub_date if previous and same else now,
            updated=now if same else None,
            engine=episode.engine,
            voice=episode.voice,
            chapters=episode.chapters,
            byline=episode.byline,
            source=episode.source,
            files=files,
            cues=chapter_cues(episode.cues),
            article=episode.article,
            articles=episode.articles,
        )
        in_staging = lambda name: staging / Path(name).name  # noqa: E731
        if options.daisy:
            # In the same commit as the episode: it is never published without the edition
            # asked for, and the page and feed are written once.
            daisy, fileset, zipped = editions.write_daisy(
                record, settings.author, staged_mp3, in_staging
            )
            record = replace(record, files=record.files.with_files(daisy))
            staged.update({daisy["daisy"]: fileset, daisy["daisy_zip"]: zipped})
        book_cover = staged_cover
        if (options.epub or options.m4b) and book_cover is None:
            book_cover = store.root / ensure_cover(
                store.root, settings.title, settings.author, settings.cover
            )
        if options.epub:
            epub, epub_file = editions.write_epub(
                record, settings.author, staged_mp3, book_cover, in_staging
            )
            record = replace(record, files=record.files.with_files(epub))
            staged[epub["epub"]] = epub_file
        if options.m4b:
            m4b_name, m4b_file = editions.write_m4b(
                record, settings, staging / editions.STAGED_AAC, book_cover, in_staging
            )
            record = replace(record, files=record.files.with_files({"m4b": m4b_name}))
            staged[m4b_name] = m4b_file
        records = [r for r in records if r.id != episode_id] + [record]
        # A rebuild's old files (an old DAISY edition of the previous audio too) go once the
        # feed names the new ones.
        obsolete = [previous.mp3, *previous.files.values()] if previous else []
        site.commit(
            store, settings, records, staged=staged, cover=staged_cover,
            save_settings=options.base_url is not None or staged_cover is not None,
            obsolete=obsolete,
        )  # fmt: skip
    return record
