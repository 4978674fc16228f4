"""ID3v2.4 tags and chapters, so podcast apps show the title and let listeners jump.

One CHAP frame per section plus an ordered table of contents (ID3v2 Chapter Frame Addendum
1.0). Times come from the assembler's sample counts.

Tables of contents mirror the heading levels: a chapter with sub-chapters (a book's 第一章
with its 第一节, 第二节) becomes a CTOC titled like it, listing its own CHAP (the text before
the first sub-heading) and then its children; the top-level CTOC lists the top-level
entries. A CTOC may list at most 255 children, so longer lists are split into child CTOCs
of at most 255 each ("书名 (1)", "书名 (2)", ...), nested again as often as needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
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

from audiobook.audio import keep_tag_space
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
    _add_tocs(tags, ids, [c.level for c in chapters], [c.title for c in chapters], title)
    # In place: the assembler reserved the tag's space; keep it (see keep_tag_space).
    tags.save(path, v2_version=4, padding=keep_tag_space)


@dataclass
class _Node:
    element_id: str
    title: str
    children: list[_Node] = field(default_factory=list)


def _tree(ids: Sequence[str], levels: Sequence[int], titles: Sequence[str]) -> list[_Node]:
    """Chapters as a tree: each one under the nearest earlier chapter of a lower level."""
    root: list[_Node] = []
    stack: list[tuple[int, list[_Node]]] = [(0, root)]
    for element_id, level, chapter_title in zip(ids, levels, titles, strict=True):
        while stack[-1][0] >= level:
            stack.pop()
        node = _Node(element_id, chapter_title)
        stack[-1][1].append(node)
        stack.append((level, node.children))
    return root


def _add_tocs(
    tags: ID3, ids: list[str], levels: Sequence[int], titles: Sequence[str], title: str
) -> None:
    """The top-level ordered CTOC, with child CTOCs for nested chapters and long lists."""
    made: list[int] = [0]

    def toc(children: list[str], toc_title: str, *, top: bool = False) -> str:
        element_id = "toc" if top else f"toc{made[0]}"
        if not top:
            made[0] += 1
        children = fit(children, toc_title)
        flags = CTOCFlags.ORDERED | (CTOCFlags.TOP_LEVEL if top else 0)
        tags.add(
            CTOC(
                element_id=element_id,
                flags=flags,
                child_element_ids=children,
                sub_frames=[TIT2(encoding=3, text=toc_title)],
            )
        )
        return element_id

    def fit(children: list[str], toc_title: str) -> list[str]:
        """At most 255 entries: group longer lists into numbered child tables."""
        while len(children) > MAX_TOC_CHILDREN:
            groups = range(0, len(children), MAX_TOC_CHILDREN)
            children = [
                toc(children[start : start + MAX_TOC_CHILDREN], f"{toc_title} ({n + 1})")
                for n, start in enumerate(groups)
            ]
        return children

    def entries(nodes: list[_Node]) -> list[str]:
        out = []
        for node in nodes:
            if node.children:
                out.append(toc([node.element_id, *entries(node.children)], node.title))
            else:
                out.append(node.element_id)
        return out

    toc(entries(_tree(ids, levels, titles)), title, top=True)


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
