"""ID3v2.4 tags and chapters, so podcast apps show the title and let listeners jump.

One CHAP frame per section plus one top-level, ordered CTOC listing them (ID3v2 Chapter
Frame Addendum 1.0). Times come from the assembler's sample counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mutagen.id3 import (
    CHAP,
    CTOC,
    ID3,
    TALB,
    TDRC,
    TIT2,
    TLAN,
    TPE1,
    TSSE,
    CTOCFlags,
    ID3NoHeaderError,
)

from audiobook.models import Chapter

#: ID3's language frame wants ISO 639-2 codes.
_LANG = {"zh": "chi", "en": "eng"}
#: A CTOC may list at most 255 children.
MAX_TOC_CHILDREN = 255


def write_tags(
    path: Path,
    *,
    title: str,
    artist: str,
    album: str,
    date: str,
    language: str,
    chapters: Sequence[Chapter],
) -> None:
    """Replace the MP3's tag with ours (ID3v2.4), keeping the assembler's ``iTunSMPB``
    (encoder delay and padding: players need it to line the audio up with our chapters)."""
    tags = ID3()
    try:
        for frame in ID3(path).getall("COMM"):
            if frame.desc == "iTunSMPB":
                tags.add(frame)
    except ID3NoHeaderError:
        pass
    tags.add(TIT2(encoding=3, text=title))
    tags.add(TPE1(encoding=3, text=artist))
    tags.add(TALB(encoding=3, text=album))
    tags.add(TDRC(encoding=3, text=date))
    tags.add(TLAN(encoding=3, text=_LANG.get(language.split("-")[0].lower(), "und")))
    tags.add(TSSE(encoding=3, text="audiobook"))
    ids = [f"chp{i}" for i in range(len(chapters))]
    for element_id, chapter in zip(ids, chapters, strict=True):
        tags.add(
            CHAP(
                element_id=element_id,
                start_time=round(chapter.start_s * 1000),
                end_time=round(chapter.end_s * 1000),
                sub_frames=[TIT2(encoding=3, text=chapter.title)],
            )
        )
    _add_tocs(tags, ids, title)
    tags.save(path, v2_version=4)


def _add_tocs(tags: ID3, ids: list[str], title: str) -> None:
    """A top-level ordered CTOC; beyond 255 chapters, nest them in child tables."""
    if len(ids) <= MAX_TOC_CHILDREN:
        children = ids
    else:
        children = []
        for n, start in enumerate(range(0, len(ids), MAX_TOC_CHILDREN)):
            child_id = f"toc{n}"
            tags.add(
                CTOC(
                    element_id=child_id,
                    flags=CTOCFlags.ORDERED,
                    child_element_ids=ids[start : start + MAX_TOC_CHILDREN],
                    sub_frames=[TIT2(encoding=3, text=f"{title} ({n + 1})")],
                )
            )
            children.append(child_id)
    tags.add(
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=children,
            sub_frames=[TIT2(encoding=3, text=title)],
        )
    )


def read_chapters(path: Path) -> list[Chapter]:
    """Chapters back from a file's tag, in CTOC order (what a podcast app would show)."""
    tags = ID3(path)
    chaps = {f.element_id: f for f in tags.getall("CHAP")}
    tocs = {f.element_id: f for f in tags.getall("CTOC")}
    top = next((t for t in tocs.values() if t.flags & CTOCFlags.TOP_LEVEL), None)
    order: list[str] = []

    def walk(ids: Sequence[str]) -> None:
        for element_id in ids:
            if element_id in tocs:
                walk(tocs[element_id].child_element_ids)
            elif element_id in chaps:
                order.append(element_id)

    walk(top.child_element_ids if top else sorted(chaps))
    out = []
    for element_id in order:
        frame = chaps[element_id]
        titles = frame.sub_frames.getall("TIT2")
        name = str(titles[0].text[0]) if titles else element_id
        out.append(Chapter(name, frame.start_time / 1000, frame.end_time / 1000))
    return out
