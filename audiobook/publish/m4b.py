"""An M4B audiobook from a built episode: one AAC file with chapters, tags and cover art.

Audiobook apps (Apple Books, BookPlayer, Smart AudioBook Player, Audiobookshelf) open an M4B
as a book and remember the position. The audio is AAC-LC mono encoded from the same PCM as
the MP3, through the same gain and limiter (:func:`audiobook.audio.encode_aac`), so the
loudness and the sample timeline are the MP3's and the chapters are the episode's own
sample-counted starts.

Chapters are written twice, because players read one or the other: a QuickTime chapter
track (a text track the audio track references: Apple's players) and a Nero ``chpl`` atom
(ffmpeg-, mpv- and most Android players). ffmpeg's MP4 muxer writes both from metadata
chapters; ``+faststart`` puts the index first so a player streams it without a seek to the
end. Tags are written by mutagen afterwards: title, author, album, year, cover and ``stik``
= 2 (audiobook), which makes Apple's apps file it under books.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mutagen.mp4 import MP4, MP4Cover

from audiobook.atomic import atomic_path
from audiobook.audio import ffmpeg_exe
from audiobook.errors import PublishError
from audiobook.models import Chapter

#: iTunes media kind (``stik``) of an audiobook.
STIK_AUDIOBOOK = 2


@dataclass(frozen=True)
class Tags:
    """What an audiobook app shows of the book."""

    title: str
    author: str
    album: str
    year: str


def _escape(text: str) -> str:
    """A value for ffmpeg's metadata file: its special characters backslash-escaped and
    line breaks folded, so a title cannot start a new key or section."""
    text = " ".join(text.split())
    return "".join("\\" + c if c in "=;#\\" else c for c in text)


def _metadata(chapters: Sequence[Chapter]) -> str:
    lines = [";FFMETADATA1"]
    for chapter in chapters:
        start, end = chapter.start_s, chapter.end_s
        # Milliseconds of the episode's sample-counted times: the same starts as the MP3's
        # CHAP frames (within the muxer's rounding to the audio's time base).
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={round(start * 1000)}",
                  f"END={round(end * 1000)}", f"title={_escape(chapter.title)}"]  # fmt: skip
    return "\n".join(lines) + "\n"


def write_m4b(
    aac: Path,
    target: Path,
    chapters: Sequence[Chapter],
    tags: Tags,
    cover: Path | None = None,
) -> Path:
    """Mux ``aac`` (an MP4 with the AAC audio) with ``chapters``
    into ``target`` (replaced atomically) and tag it; ``cover``: JPEG or PNG artwork."""
    with atomic_path(target, suffix=".m4b") as tmp:
        meta = tmp.with_name(tmp.name + ".txt")
        try:
            meta.write_text(_metadata(chapters), "utf-8")
            cmd = [
                ffmpeg_exe(), "-v", "error", "-y", "-i", str(aac), "-i", str(meta),
                "-map", "0:a", "-c", "copy", "-map_metadata", "1", "-map_chapters", "1",
                "-movflags", "+faststart", "-f", "mp4", str(tmp),
            ]  # fmt: skip
            proc = subprocess.run(cmd, capture_output=True, check=False)
            if proc.returncode != 0:
                error = proc.stderr.decode(errors="replace").strip()[-200:]
                raise PublishError(f"M4B mux failed: {error}")
            _tag(tmp, tags, cover)
        finally:
            meta.unlink(missing_ok=True)
    return target


def _tag(path: Path, tags: Tags, cover: Path | None) -> None:
    audio = MP4(path)
    if audio.tags is None:
        audio.add_tags()
    assert audio.tags is not None
    audio.tags.clear()  # ffmpeg's own (encoder) and nothing else
    audio.tags["\xa9nam"] = [tags.title]
    audio.tags["\xa9ART"] = [tags.author]
    audio.tags["aART"] = [tags.author]
    audio.tags["\xa9alb"] = [tags.album]
    audio.tags["\xa9day"] = [tags.year]
    audio.tags["\xa9gen"] = ["Audiobook"]
    audio.tags["stik"] = [STIK_AUDIOBOOK]
    if cover is not None and cover.suffix.lower() in (".jpg", ".jpeg", ".png"):
        kind = MP4Cover.FORMAT_PNG if cover.suffix.lower() == ".png" else MP4Cover.FORMAT_JPEG
        audio.tags["covr"] = [MP4Cover(cover.read_bytes(), imageformat=kind)]
    audio.save()


def m4b_path(mp3: str) -> str:
    """The M4B beside an episode's MP3 (relative path)."""
    stem = mp3[: -len(".mp3")] if mp3.endswith(".mp3") else mp3
    return f"{stem}.m4b"
