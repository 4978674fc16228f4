"""An EPUB 3 read-along book from a built episode: text, headings and the episode's audio,
synchronised sentence by sentence with Media Overlays.

This is the format reading systems for blind and low-vision readers take today (Thorium,
Apple Books, VoiceDream, Readium-based apps): the text is highlighted while the audio plays,
navigable by heading from the nav document, and readable by a braille display at the same
time. DAISY 2.02 (:mod:`audiobook.publish.daisy`) stays for older players.

Timing is never re-estimated: every clip comes from the episode record's cues, the same
sample-counted times the chapters and transcripts use. Times are handled as whole
milliseconds so that each overlay's ``media:duration`` is exactly the sum of its clips and the
book's total exactly the sum of the overlays (EPUBCheck compares them). Each sentence's clip
runs to the start of the next, so the clips tile the audio, and the last ends with the audio.

One content document (and one SMIL overlay) per section: a reading system's "next chapter"
and the nav document's links land on a section, and each overlay stays small for a long book.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree

from audiobook.atomic import atomic_file
from audiobook.models import Cue
from audiobook.publish.daisy import Book
from audiobook.publish.timecode import smil_clock

XHTML_NS = "http://www.w3.org/1999/xhtml"
OPS_NS = "http://www.idpf.org/2007/ops"
OPF_NS = "http://www.idpf.org/2007/opf"
DC_NS = "http://purl.org/dc/elements/1.1/"
SMIL_NS = "http://www.w3.org/ns/SMIL"
CONTAINER_NS = "urn:oasis:names:tc:opendocument:xmlns:container"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: The class a reading system puts on the sentence being read (``media:active-class``).
ACTIVE_CLASS = "-epub-media-overlay-active"
AUDIO_HREF = "audio/episode.mp3"
STYLE_HREF = "style.css"
NAV_HREF = "nav.xhtml"
#: What EPUB Accessibility 1.1 asks a conforming publication to claim (§ 2.1).
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
SUMMARY = (
    "全文为可选择、可搜索的简体中文文本，按章节标题组织，可用目录和标题导航；"
    "全文配有朗读音频，媒体叠加逐句同步高亮文字与语音。封面图片为装饰性内容。"
    " The full text with headings for navigation and a narration synchronised with it "
    "sentence by sentence (media overlays); the cover image is decorative."
)

_STYLE = f"""\
body {{ font-family: sans-serif; line-height: 1.8; }}
.{ACTIVE_CLASS} {{ background-color: #ffe27a; color: #000000; }}
"""

_MEDIA_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


@dataclass(frozen=True)
class Clip:
    """One sentence and where it is heard, in whole milliseconds of the episode's audio."""

    index: int
    cue: Cue
    begin_ms: int
    end_ms: int


def clips(book: Book) -> list[Clip]:
    """Each cue's clip: from its start to the next cue's start (the last to the end of the
    audio), clamped to the audio, so every clip lies inside it and none is empty."""
    total = round(book.duration_s * 1000)
    cues = sorted(book.cues, key=lambda c: c.start_s)
    starts = [min(max(0, round(c.start_s * 1000)), total) for c in cues]
    out = []
    for i, cue in enumerate(cues):
        end = starts[i + 1] if i + 1 < len(cues) else total
        if end <= starts[i]:
            # A cue with no time of its own (it cannot happen for spoken sentences, but a
            # zero-length clip is invalid): give it up to the end of its own speech.
            end = min(total, max(starts[i] + 1, round(cue.end_s * 1000)))
        out.append(Clip(i, cue, starts[i], end))
    return out


def write_epub(
    book: Book, mp3: Path, target: Path, cover: Path | None = None, modified: str = ""
) -> Path:
    """Write ``target`` (replaced atomically): the read-along EPUB of ``book`` whose audio is
    ``mp3``, with ``cover`` (JPEG or PNG) as its cover image when given; ``modified``: when
    the episode was last built (ISO 8601), the book's ``dcterms:modified``."""
    all_clips = clips(book)
    sections = sorted({c.cue.section for c in all_clips})
    by_section = {s: [c for c in all_clips if c.cue.section == s] for s in sections}
    durations = {s: sum(c.end_ms - c.begin_ms for c in by_section[s]) for s in sections}
    entries: list[tuple[str, bytes]] = [
        ("META-INF/container.xml", _xml(_container())),
        ("EPUB/" + STYLE_HREF, _STYLE.encode("utf-8")),
        ("EPUB/" + NAV_HREF, _xml(_nav(book, sections), html=True)),
    ]
    for s in sections:
        entries.append((f"EPUB/{_text_href(s)}", _xml(_content(book, s, by_section[s]), html=True)))
        entries.append((f"EPUB/{_smil_href(s)}", _xml(_smil(s, by_section[s]))))
    cover_href = None
    if cover is not None:
        cover_href = "images/cover" + cover.suffix.lower()
        entries.append((f"EPUB/{cover_href}", cover.read_bytes()))
    entries.append(
        ("EPUB/package.opf", _xml(_package(book, sections, durations, cover_href, modified)))
    )
    with atomic_file(target) as handle, zipfile.ZipFile(handle, "w") as archive:
        # OCF: "mimetype" first, stored, no extra field, so a reader can sniff the type.
        archive.writestr(zipfile.ZipInfo("mimetype"), b"application/epub+zip")
        for name, data in entries:
            archive.writestr(name, data, zipfile.ZIP_DEFLATED)
        # Audio is already compressed: stored, so a reading system can seek in it.
        archive.write(mp3, f"EPUB/{AUDIO_HREF}", zipfile.ZIP_STORED)
    return target


def _text_href(section: int) -> str:
    return f"text/s{section + 1:03d}.xhtml"


def _smil_href(section: int) -> str:
    return f"smil/s{section + 1:03d}.smil"


def _item_id(section: int) -> str:
    return f"s{section + 1:03d}"


def _sentence_id(clip: Clip) -> str:
    return f"t{clip.index + 1:05d}"


def _level(book: Book, section: int) -> int:
    raw = book.section_levels[section] if section < len(book.section_levels) else 1
    return max(1, min(6, int(raw)))


def _xml(root: etree._Element, *, html: bool = False) -> bytes:
    return etree.tostring(
        root,
        xml_declaration=True,
        encoding="utf-8",
        doctype="<!DOCTYPE html>" if html else None,
        pretty_print=True,
    )


def _container() -> etree._Element:
    root = etree.Element(f"{{{CONTAINER_NS}}}container", nsmap={None: CONTAINER_NS}, version="1.0")
    files = etree.SubElement(root, f"{{{CONTAINER_NS}}}rootfiles")
    etree.SubElement(
        files,
        f"{{{CONTAINER_NS}}}rootfile",
        {"full-path": "EPUB/package.opf", "media-type": "application/oebps-package+xml"},
    )
    return root


def _html(book: Book, title: str) -> tuple[etree._Element, etree._Element]:
    """An XHTML content document's root and body, in the book's language."""
    x = f"{{{XHTML_NS}}}"
    root = etree.Element(f"{x}html", nsmap={None: XHTML_NS, "epub": OPS_NS}, lang=book.language)
    root.set(XML_LANG, book.language)
    head = etree.SubElement(root, f"{x}head")
    etree.SubElement(head, f"{x}meta", charset="utf-8")
    etree.SubElement(head, f"{x}title").text = title
    etree.SubElement(head, f"{x}link", rel="stylesheet", type="text/css", href=f"../{STYLE_HREF}")
    return root, etree.SubElement(root, f"{x}body")


def _nav(book: Book, sections: Sequence[int]) -> etree._Element:
    """The table of contents, nested by section level, plus landmarks."""
    x = f"{{{XHTML_NS}}}"
    root, body = _html(book, book.title)
    root.find(f"{x}head/{x}link").set("href", STYLE_HREF)
    nav = etree.SubElement(body, f"{x}nav", id="toc")
    nav.set(f"{{{OPS_NS}}}type", "toc")
    etree.SubElement(nav, f"{x}h1").text = book.title
    top = etree.SubElement(nav, f"{x}ol")
    # (level, list): the open lists, innermost last; a deeper section opens a list inside
    # the previous entry, a shallower one closes back to its level.
    stack: list[tuple[int, etree._Element]] = [(_level(book, sections[0]) if sections else 1, top)]
    for s in sections:
        level = _level(book, s)
        while len(stack) > 1 and stack[-1][0] > level:
            stack.pop()
        if level > stack[-1][0] and len(stack[-1][1]):
            stack.append((level, etree.SubElement(stack[-1][1][-1], f"{x}ol")))
        item = etree.SubElement(stack[-1][1], f"{x}li")
        etree.SubElement(item, f"{x}a", href=_text_href(s)).text = book.section_titles[s]
    if sections:
        landmarks = etree.SubElement(body, f"{x}nav", id="landmarks", hidden="hidden")
        landmarks.set(f"{{{OPS_NS}}}type", "landmarks")
        etree.SubElement(landmarks, f"{x}h2").text = "导航"
        marks = etree.SubElement(landmarks, f"{x}ol")
        item = etree.SubElement(marks, f"{x}li")
        link = etree.SubElement(item, f"{x}a", href=_text_href(sections[0]))
        link.set(f"{{{OPS_NS}}}type", "bodymatter")
        link.text = "正文"
    return root


def _content(book: Book, section: int, section_clips: Sequence[Clip]) -> etree._Element:
    """One section: its heading and its sentences, each an element the overlay points at.
    When the first sentence is the heading read aloud, the heading itself is that sentence."""
    x = f"{{{XHTML_NS}}}"
    title = book.section_titles[section]
    root, body = _html(book, title)
    wrapper = etree.SubElement(
        body, f"{x}section", {"id": _item_id(section), "aria-labelledby": f"h{section + 1:03d}"}
    )
    wrapper.set(f"{{{OPS_NS}}}type", "chapter")
    heading = etree.SubElement(wrapper, f"{x}h{_level(book, section)}", id=f"h{section + 1:03d}")
    heading.text = title
    rest = list(section_clips)
    if rest and rest[0].cue.text.strip() == title.strip():
        heading.set("id", _sentence_id(rest[0]))
        wrapper.set("aria-labelledby", _sentence_id(rest[0]))
        rest = rest[1:]
    if rest:
        paragraph = etree.SubElement(wrapper, f"{x}p")
        for clip in rest:
            etree.SubElement(paragraph, f"{x}span", id=_sentence_id(clip)).text = clip.cue.text
    return root


def _smil(section: int, section_clips: Sequence[Clip]) -> etree._Element:
    s = f"{{{SMIL_NS}}}"
    smil = etree.Element(f"{s}smil", nsmap={None: SMIL_NS, "epub": OPS_NS}, version="3.0")
    body = etree.SubElement(smil, f"{s}body")
    text = f"../{_text_href(section)}"
    seq = etree.SubElement(body, f"{s}seq", id=f"seq{section + 1:03d}")
    seq.set(f"{{{OPS_NS}}}textref", f"{text}#{_item_id(section)}")
    seq.set(f"{{{OPS_NS}}}type", "chapter")
    for clip in section_clips:
        par = etree.SubElement(seq, f"{s}par", id=f"p{clip.index + 1:05d}")
        etree.SubElement(par, f"{s}text", src=f"{text}#{_sentence_id(clip)}")
        etree.SubElement(
            par,
            f"{s}audio",
            src=f"../{AUDIO_HREF}",
            clipBegin=smil_clock(clip.begin_ms),
            clipEnd=smil_clock(clip.end_ms),
        )
    return smil


def _modified(date: str) -> str:
    """``dcterms:modified`` wants UTC to the second with a Z."""
    try:
        when = datetime.fromisoformat(date)
    except ValueError:
        when = datetime.now(timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _package(
    book: Book,
    sections: Sequence[int],
    durations: dict[int, int],
    cover_href: str | None,
    modified: str,
) -> etree._Element:
    o, dc = f"{{{OPF_NS}}}", f"{{{DC_NS}}}"
    package = etree.Element(
        f"{o}package",
        nsmap={None: OPF_NS, "dc": DC_NS},
        version="3.0",
        attrib={"unique-identifier": "book-id", XML_LANG: book.language},
    )
    meta = etree.SubElement(package, f"{o}metadata")
    etree.SubElement(meta, f"{dc}identifier", id="book-id").text = book.identifier
    etree.SubElement(meta, f"{dc}title").text = book.title
    etree.SubElement(meta, f"{dc}creator").text = book.creator
    etree.SubElement(meta, f"{dc}publisher").text = book.publisher
    etree.SubElement(meta, f"{dc}language").text = book.language
    if book.date:
        etree.SubElement(meta, f"{dc}date").text = book.date

    def prop(name: str, value: str, **attrs: str) -> None:
        etree.SubElement(meta, f"{o}meta", property=name, **attrs).text = value

    prop("dcterms:modified", _modified(modified or book.date))
    for mode in ("textual", "auditory"):
        prop("schema:accessMode", mode)
    for sufficient in ("textual", "auditory", "textual,auditory"):
        prop("schema:accessModeSufficient", sufficient)
    for feature in (
        "synchronizedAudioText",
        "structuralNavigation",
        "tableOfContents",
        "readingOrder",
        "displayTransformability",
    ):
        prop("schema:accessibilityFeature", feature)
    prop("schema:accessibilityHazard", "none")
    prop("schema:accessibilitySummary", SUMMARY)
    prop("dcterms:conformsTo", CONFORMS_TO)
    prop("a11y:certifiedBy", book.publisher)
    for s in sections:
        prop("media:duration", smil_clock(durations[s]), refines=f"#mo-{_item_id(s)}")
    prop("media:duration", smil_clock(sum(durations.values())))
    prop("media:active-class", ACTIVE_CLASS)

    manifest = etree.SubElement(package, f"{o}manifest")

    def item(ident: str, href: str, media_type: str, **attrs: str) -> None:
        etree.SubElement(
            manifest, f"{o}item", id=ident, href=href, attrib={"media-type": media_type, **attrs}
        )

    item("nav", NAV_HREF, "application/xhtml+xml", properties="nav")
    item("css", STYLE_HREF, "text/css")
    item("audio", AUDIO_HREF, "audio/mpeg")
    if cover_href is not None:
        item("cover", cover_href, _MEDIA_TYPES[Path(cover_href).suffix], properties="cover-image")
    for s in sections:
        ident = _item_id(s)
        item(ident, _text_href(s), "application/xhtml+xml", **{"media-overlay": f"mo-{ident}"})
        item(f"mo-{ident}", _smil_href(s), "application/smil+xml")
    spine = etree.SubElement(package, f"{o}spine")
    for s in sections:
        etree.SubElement(spine, f"{o}itemref", idref=_item_id(s))
    return package


def epub_path(mp3: str) -> str:
    """The EPUB beside an episode's MP3 (relative path)."""
    stem = mp3[: -len(".mp3")] if mp3.endswith(".mp3") else mp3
    return f"{stem}.epub"
