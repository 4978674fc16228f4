"""The pipeline's data: small frozen records that walk from front to back once.

Every stage takes and returns these values, so each stage can be tested alone and the
pipeline is a readable chain (see :mod:`audiobook.pipeline`). Times are seconds as floats
at the edges (JSON, feeds) but sample counts inside audio code; see :mod:`audiobook.audio`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Document:
    """Decoded input text and where it came from (the encoding is kept for the build record).

    ``removals`` are what reading itself left out (a web page's navigation, share bars,
    comments and captions), recorded like cleaning's so ``clean --diff`` shows them too; each
    is zero-width at the place in ``text`` where the dropped block stood. ``link`` is the
    page's final URL when the article was fetched (after redirects): the episode's link.
    """

    text: str
    encoding: str
    source: str
    removals: tuple[Removal, ...] = ()
    link: str | None = None


@dataclass(frozen=True)
class Removal:
    """One span that cleaning removed, and the named rule that removed it.

    ``start``/``end`` index the text the rule was applied to (the input of that cleaning pass),
    so ``clean --diff`` and the build record can show every removal in context.
    """

    rule: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Cleaned:
    """Cleaning's result: the text to keep and the records of what went."""

    text: str
    removals: tuple[Removal, ...] = ()
    #: Passages with some evidence of being junk, too weak to remove unasked: kept in ``text``,
    #: listed by ``clean --diff`` so a producer can look (``--drop suspect`` removes them).
    suspects: tuple[Removal, ...] = ()


@dataclass(frozen=True)
class Section:
    """A part of the article a listener can jump to: the lead, or a sub-headed part.

    ``level`` is the heading's depth (1 = top: a book's chapter or an article's sub-heading;
    2 = a section inside it, ...), normalised so the shallowest heading used is 1.
    """

    title: str
    paragraphs: tuple[str, ...]
    level: int = 1

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass(frozen=True)
class Article:
    """The structured, cleaned, Simplified article as a reader would read it."""

    title: str | None
    byline: str | None
    sections: tuple[Section, ...]
    language: str = "zh-CN"


@dataclass(frozen=True)
class Segment:
    """One unit of synthesis: a sentence (or a piece of an over-long one).

    ``display_text`` is what a reader sees (transcripts, DAISY); ``spoken_text`` is what the
    engine is given after normalisation and lexicon substitution.
    """

    section: int
    index: int
    display_text: str
    spoken_text: str
    ends_paragraph: bool = False


@dataclass(frozen=True)
class Boundary:
    """A word or sentence the engine reported, relative to the start of its segment's audio."""

    kind: str  # "word" | "sentence"
    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Speech:
    """An engine's answer for one segment: mono 16-bit PCM plus the timings it knows."""

    pcm: bytes
    sample_rate: int
    boundaries: tuple[Boundary, ...] = ()
    #: Spoken by the fallback voice because the build's own could not (``--fallback``).
    fallback: bool = False

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate


@dataclass(frozen=True)
class Chapter:
    """A chapter marker; ``level`` mirrors its section's heading depth (1 = top)."""

    title: str
    start_s: float
    end_s: float
    level: int = 1


@dataclass(frozen=True)
class Cue:
    """A transcript cue: one sentence's text and where it is heard in the episode.

    ``section`` is the article section the sentence is in while an episode is assembled;
    in a published :class:`EpisodeRecord` it is the index of the cue's chapter in the
    record's ``chapters`` (a section nothing was heard in has no chapter).
    """

    text: str
    start_s: float
    end_s: float
    section: int
    #: Heard in the fallback voice (``--fallback``), which transcripts disclose.
    fallback: bool = False


@dataclass(frozen=True)
class Loudness:
    """An episode's loudness, measured on the finished MP3 as a player decodes it
    (see :mod:`audiobook.audio` for the dual-mono convention)."""

    integrated_lufs: float  # in the target's convention (dual-mono by default)
    mono_lufs: float  # the plain single-channel BS.1770 figure
    true_peak_dbtp: float
    range_lu: float
    target_lufs: float
    dual_mono: bool
    gain_db: float  # the gain the encode applied
    encodes: int  # 1 unless the first encode missed the target


@dataclass(frozen=True)
class ArticleNote:
    """One of an edition's articles in its show notes: its title, and its page when fetched."""

    title: str
    link: str | None = None


#: The kinds of file an episode has (its ``files``), in the order they are written: the
#: build's own (the MP3 too, as the record's ``mp3`` names it), then the editions made with
#: it or later.
FILE_KINDS = ("mp3", "chapters", "vtt", "srt", "build", "daisy", "daisy_zip", "epub", "m4b")


@dataclass(frozen=True)
class EpisodeFiles(Mapping[str, str]):
    """An episode's files by kind (paths relative to the output folder).

    A mapping of the kinds it has, so ``"vtt" in files`` and ``files.values()`` read as
    they did when this was a dict; :meth:`with_files` is the one way to add some.
    """

    mp3: str | None = None
    chapters: str | None = None
    vtt: str | None = None
    srt: str | None = None
    build: str | None = None
    #: The DAISY 2.02 fileset (a folder) and its zip.
    daisy: str | None = None
    daisy_zip: str | None = None
    epub: str | None = None
    m4b: str | None = None

    def __getitem__(self, kind: str) -> str:
        value = getattr(self, kind, None) if kind in FILE_KINDS else None
        if value is None:
            raise KeyError(kind)
        return value

    def __iter__(self) -> Iterator[str]:
        return (f.name for f in fields(self) if getattr(self, f.name) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def with_files(self, files: Mapping[str, str]) -> EpisodeFiles:
        """These files with ``files`` added (or replaced), by kind."""
        unknown = set(files) - set(FILE_KINDS)
        if unknown:
            raise ValueError(f"unknown episode file kinds {sorted(unknown)}")
        return replace(self, **files)


@dataclass(frozen=True)
class EpisodeRecord:
    """A published episode as the store keeps it (``episodes.json``): everything the feed,
    the page and every edition (DAISY, EPUB, M4B) are made from, so any of them can be made
    again later without the article or the engine. Paths are relative to the output folder.
    See :mod:`audiobook.publish.record` for its JSON and the checks made when it is read.
    """

    id: str
    guid: str
    title: str
    mp3: str
    bytes: int
    duration_s: float
    pub_date: str
    engine: str
    voice: str
    chapters: tuple[Chapter, ...]
    byline: str | None = None
    source: str | None = None
    updated: str | None = None
    files: EpisodeFiles = EpisodeFiles()
    #: Sentence cues for transcripts, the page and editions; ``section`` is the chapter's index.
    cues: tuple[Cue, ...] = ()
    #: Which article this is (see :func:`audiobook.publish.episode.article_key`): a rebuild
    #: of the same article replaces the episode, another article with the same title does not.
    article: str | None = None
    #: An edition's articles in order: its show notes.
    articles: tuple[ArticleNote, ...] = ()


@dataclass(frozen=True)
class Episode:
    """A built episode as a build returns it: its published record, where its MP3 is now,
    and what was measured on it (the loudness, which the record does not keep)."""

    record: EpisodeRecord
    #: The MP3's path (the output folder joined to the record's relative one).
    mp3: str
    loudness: Loudness | None = None
    language: str = "zh-CN"

    @property
    def title(self) -> str:
        return self.record.title

    @property
    def duration_s(self) -> float:
        return self.record.duration_s

    @property
    def engine(self) -> str:
        return self.record.engine

    @property
    def voice(self) -> str:
        return self.record.voice

    @property
    def chapters(self) -> tuple[Chapter, ...]:
        return self.record.chapters

    @property
    def cues(self) -> tuple[Cue, ...]:
        return self.record.cues

    @property
    def byline(self) -> str | None:
        return self.record.byline
