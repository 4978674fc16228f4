"""A DAISY 2.02 talking book from a built episode: navigable by section and by sentence.

DAISY players (and the libraries for blind readers that lend them) walk ``ncc.html`` for
headings, then each section's SMIL file, where every ``par`` pairs one sentence of the full
text with its clip of the MP3. Clip times are the assembler's sample-counted cue times; each
clip runs to the start of the next so the clips tile the audio and ``ncc:totalTime`` equals
the sum of the SMIL durations.

The fileset is written into a temporary folder and renamed into place, then zipped for
distribution, so a reader never sees half an edition.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from audiobook.atomic import DIR_MODE, atomic_file, atomic_write
from audiobook.errors import PublishError
from audiobook.models import Cue, EpisodeRecord
from audiobook.publish.store import replace_dir
from audiobook.publish.timecode import hms, npt_seconds

XHTML_NS = "http://www.w3.org/1999/xhtml"
_XHTML_DOCTYPE = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
)
_SMIL_DOCTYPE = (
    '<!DOCTYPE smil PUBLIC "-//W3C//DTD SMIL 1.0//EN" '
    '"http://www.w3.org/TR/REC-smil/SMIL10.dtd">'
)
AUDIO_NAME = "audio.mp3"
CONTENT_NAME = "content.html"


@dataclass(frozen=True)
class Book:
    """What a DAISY edition needs to know about a built episode."""

    identifier: str
    title: str
    creator: str
    publisher: str
    date: str
    language: str
    section_titles: tuple[str, ...]
    #: heading level of each section (1 = top); the title is always the ncc's first h1.
    section_levels: tuple[int, ...]
    cues: tuple[Cue, ...]
    duration_s: float


def write_daisy(book: Book, mp3: Path, target: Path) -> Path:
    """Write the fileset into folder ``target`` (replaced whole) and its zip; return the zip."""
    clips = _clips(book)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".daisy-", dir=target.parent))
    try:
        # mkdtemp makes the folder private (0700); a published one is as readable as any
        # folder the user makes (a web server reads it as another user).
        os.chmod(staging, DIR_MODE)
        shutil.copyfile(mp3, staging / AUDIO_NAME)
        sections = sorted({c.section for c in book.cues})
        durations = {s: sum(e - b for (cue, b, e) in clips if cue.section == s) for s in sections}
        elapsed = 0.0
        for s in sections:
            smil = _smil(book, s, clips, durations[s], elapsed)
            _write(staging / _smil_name(s), smil, _SMIL_DOCTYPE)
            elapsed += durations[s]
        _write(staging / CONTENT_NAME, _content(book), _XHTML_DOCTYPE)
        _write(staging / "ncc.html", _ncc(book, sections, sum(durations.values())), _XHTML_DOCTYPE)
        replace_dir(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return _zip(target)


def _clips(book: Book) -> list[tuple[Cue, float, float]]:
    """(cue, clip-begin, clip-end): each sentence runs until the next one is heard."""
    cues = sorted(book.cues, key=lambda c: c.start_s)
    out = []
    for i, cue in enumerate(cues):
        end = cues[i + 1].start_s if i + 1 < len(cues) else max(cue.end_s, book.duration_s)
        out.append((cue, cue.start_s, end))
    return out


def _smil_name(section: int) -> str:
    return f"s{section + 1:03d}.smil"


def _sentence_id(index: int) -> str:
    return f"t{index + 1:05d}"


def _write(path: Path, root: etree._Element, doctype: str) -> None:
    data = etree.tostring(
        root, xml_declaration=True, encoding="utf-8", doctype=doctype, pretty_print=True
    )
    atomic_write(path, data)


def _meta(parent: etree._Element, name: str, content: str, *, ns: str | None = XHTML_NS) -> None:
    tag = f"{{{ns}}}meta" if ns else "meta"
    etree.SubElement(parent, tag, name=name, content=content)


def _ncc(book: Book, sections: Sequence[int], total: float) -> etree._Element:
    x = f"{{{XHTML_NS}}}"
    html = etree.Element(f"{x}html", nsmap={None: XHTML_NS}, lang=book.language)
    html.set("{http://www.w3.org/XML/1998/namespace}lang", book.language)
    head = etree.SubElement(html, f"{x}head")
    etree.SubElement(head, f"{x}title").text = book.title
    etree.SubElement(
        head, f"{x}meta", {"http-equiv": "Content-type", "content": "text/html; charset=utf-8"}
    )
    headings = 1 + len(sections)
    for name, content in (
        ("dc:title", book.title),
        ("dc:creator", book.creator),
        ("dc:identifier", book.identifier),
        ("dc:format", "Daisy 2.02"),
        ("dc:date", book.date),
        ("dc:publisher", book.publisher),
        ("dc:language", book.language),
        ("ncc:charset", "utf-8"),
        ("ncc:generator", "audiobook"),
        ("ncc:multimediaType", "audioFullText"),
        ("ncc:pageFront", "0"),
        ("ncc:pageNormal", "0"),
        ("ncc:pageSpecial", "0"),
        ("ncc:tocItems", str(headings)),
        ("ncc:totalTime", hms(total)),
        ("ncc:files", str(3 + len(sections))),
    ):
        _meta(head, name, content)
    body = etree.SubElement(html, f"{x}body")
    first_smil = _smil_name(sections[0]) if sections else ""
    h1 = etree.SubElement(body, f"{x}h1", {"class": "title", "id": "h_title"})
    first_par = f"p_{sections[0] + 1:03d}_head" if sections else ""
    etree.SubElement(h1, f"{x}a", href=f"{first_smil}#{first_par}").text = book.title
    for s in sections:
        level = max(1, min(6, book.section_levels[s] if s < len(book.section_levels) else 1))
        heading = etree.SubElement(body, f"{x}h{level}", id=f"h_{s + 1:03d}")
        etree.SubElement(heading, f"{x}a", href=f"{_smil_name(s)}#p_{s + 1:03d}_head").text = (
            book.section_titles[s]
        )
    return html


def _smil(
    book: Book,
    section: int,
    clips: Sequence[tuple[Cue, float, float]],
    duration: float,
    elapsed: float,
) -> etree._Element:
    smil = etree.Element("smil")
    head = etree.SubElement(smil, "head")
    for name, content in (
        ("dc:format", "Daisy 2.02"),
        ("dc:title", book.title),
        ("dc:identifier", book.identifier),
        ("ncc:generator", "audiobook"),
        ("ncc:totalElapsedTime", hms(elapsed)),
        ("ncc:timeInThisSmil", hms(duration)),
        ("title", book.section_titles[section]),
    ):
        _meta(head, name, content, ns=None)
    layout = etree.SubElement(head, "layout")
    etree.SubElement(layout, "region", id="txtView")
    body = etree.SubElement(smil, "body")
    seq = etree.SubElement(body, "seq", dur=f"{duration:.3f}s")
    first = True
    for index, (cue, begin, end) in enumerate(clips):
        if cue.section != section:
            continue
        par_id = f"p_{section + 1:03d}_head" if first else f"par_{index + 1:05d}"
        par = etree.SubElement(seq, "par", endsync="last", id=par_id)
        etree.SubElement(
            par, "text", src=f"{CONTENT_NAME}#{_sentence_id(index)}", id=f"x{index + 1:05d}"
        )
        par.append(_audio(begin, end, f"a{index + 1:05d}"))
        first = False
    return smil


def _audio(begin: float, end: float, clip_id: str) -> etree._Element:
    clip = {"clip-begin": npt_seconds(begin), "clip-end": npt_seconds(end)}
    return etree.Element("audio", src=AUDIO_NAME, id=clip_id, **clip)


def _content(book: Book) -> etree._Element:
    """The full Simplified text, one element per sentence, for following and searching."""
    x = f"{{{XHTML_NS}}}"
    html = etree.Element(f"{x}html", nsmap={None: XHTML_NS}, lang=book.language)
    head = etree.SubElement(html, f"{x}head")
    etree.SubElement(head, f"{x}title").text = book.title
    etree.SubElement(
        head, f"{x}meta", {"http-equiv": "Content-type", "content": "text/html; charset=utf-8"}
    )
    body = etree.SubElement(html, f"{x}body")
    etree.SubElement(body, f"{x}h1").text = book.title
    current: int | None = None
    paragraph = None
    for index, cue in enumerate(sorted(book.cues, key=lambda c: c.start_s)):
        if cue.section != current:
            current = cue.section
            etree.SubElement(body, f"{x}h2").text = book.section_titles[cue.section]
            paragraph = etree.SubElement(body, f"{x}p")
        assert paragraph is not None
        span = etree.SubElement(paragraph, f"{x}span", id=_sentence_id(index))
        span.text = cue.text
    return html


def _zip(folder: Path) -> Path:
    out = folder.with_name(folder.name + ".zip")
    with atomic_file(out) as handle, zipfile.ZipFile(handle, "w") as archive:
        for path in sorted(folder.rglob("*")):
            compress = zipfile.ZIP_STORED if path.suffix == ".mp3" else zipfile.ZIP_DEFLATED
            archive.write(path, f"{folder.name}/{path.relative_to(folder)}", compress)
    return out


def book_from_record(
    record: EpisodeRecord, *, publisher: str, language: str = "zh-CN"
) -> Book:
    """A published episode's DAISY description, from its store record alone (its cues know
    their chapters), so an edition can be made for any episode built earlier, without the
    article or the engine."""
    if not record.chapters or not record.cues:
        raise PublishError(f"episode {record.id} has no chapters or sentence timings to navigate")
    return Book(
        identifier=record.guid,
        title=record.title,
        creator=record.byline or publisher,
        publisher=publisher,
        date=record.pub_date[:10],
        language=language,
        section_titles=tuple(c.title for c in record.chapters),
        section_levels=tuple(c.level for c in record.chapters),
        cues=record.cues,
        duration_s=record.duration_s,
    )


def daisy_paths(mp3: str) -> tuple[str, str]:
    """The fileset folder and zip beside an episode's MP3 (relative paths)."""
    stem = mp3[: -len(".mp3")] if mp3.endswith(".mp3") else mp3
    return f"{stem}.daisy", f"{stem}.daisy.zip"
