"""EPUB books: chapters from the book's own navigation, nested as it nests them.

ebooklib reads the package: the spine (reading order) and the table of contents (EPUB 3 nav
or EPUB 2 NCX), nested. The table of contents is the author's list of chapters, so it is what
a listener jumps between: each entry becomes a heading at its depth (``##`` for the top, ``###``
below…), placed where it points (the start of a spine document, or an element's ``id``
inside it). The document's own ``<h1>``…``<h6>`` that repeat an entry's title are not read
twice; other headings are read as text. The nav document, scripts, styles and image captions
are never read.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from io import BytesIO
from typing import TYPE_CHECKING
from urllib.parse import unquote, urldefrag

from lxml import etree
from lxml import html as lxml_html

from audiobook.errors import InputError
from audiobook.models import Document

if TYPE_CHECKING:  # imported where used
    from ebooklib.epub import EpubBook

_BLOCKS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd", "dt", "td",
    "th", "tr", "section", "article", "body", "br", "hr", "table", "ul", "ol",
}  # fmt: skip
_SKIP = {"script", "style", "head", "title", "figcaption", "nav", "aside", "rt", "rp"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def from_epub(data: bytes, source: str) -> Document:
    """The text of an EPUB: ``# title``, the navigation's entries as nested headings."""
    try:
        from ebooklib import ITEM_DOCUMENT, ITEM_NAVIGATION, epub

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = epub.read_epub(BytesIO(data))
    except Exception as exc:  # ebooklib raises EpubException, KeyError, lxml errors...
        raise InputError(f"{source}: not a readable EPUB ({_short(exc)})") from exc
    entries = list(_toc(book.toc, 1))
    by_file: dict[str, list[tuple[str, int, str]]] = {}
    for href, level, title in entries:
        path, fragment = urldefrag(href)
        by_file.setdefault(unquote(path), []).append((fragment, level, title))
    lines: list[str] = []
    for idref, _linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() == ITEM_NAVIGATION:
            continue
        if item.get_type() != ITEM_DOCUMENT or isinstance(item, epub.EpubNav):
            continue
        anchors = by_file.get(unquote(item.get_name()), [])
        lines.extend(_document_lines(item.get_content(), anchors))
    if not any(line and not line.startswith("#") for line in lines):
        raise InputError(f"{source}: the EPUB has no readable text")
    title = _one_line(_meta(book, "title"))
    author = _one_line(_meta(book, "creator"))
    head = [f"# {title}"] if title else []
    if author:
        head.append(f"作者：{author}")
    return Document("\n".join(head + lines) + "\n", "epub", source)


def _toc(toc: object, level: int) -> Iterator[tuple[str, int, str]]:
    """(href, depth, title) for every navigation entry, in order, depth from 1."""
    from ebooklib import epub

    for entry in toc if isinstance(toc, list | tuple) else [toc]:
        if isinstance(entry, tuple) and len(entry) == 2:
            section, children = entry
            href = getattr(section, "href", None)
            title = getattr(section, "title", "")
            if href:
                yield href, level, _one_line(title)
            elif title:  # a section without a target: headed at its first child's place
                first = next(_toc(children, level + 1), None)
                if first is not None:
                    yield first[0], level, _one_line(title)
            yield from _toc(children, level + 1)
        elif isinstance(entry, epub.Link | epub.Section) and getattr(entry, "href", None):
            yield entry.href, level, _one_line(entry.title or "")


def _document_lines(content: bytes, anchors: list[tuple[str, int, str]]) -> list[str]:
    """A spine document's text lines, with the navigation's headings at their anchors."""
    try:
        tree = lxml_html.document_fromstring(content)
    except (etree.ParserError, ValueError):
        return []
    pending: dict[str, list[str]] = {fragment: [] for fragment, _, _ in anchors}
    for fragment, level, title in anchors:
        pending[fragment].append(("#" * min(level + 1, 6)) + " " + title)
    titles = {title for _, _, title in anchors}
    lines: list[str] = list(pending.pop("", []))
    current: list[str] = []

    def flush() -> None:
        line = _one_line("".join(current))
        current.clear()
        if line:
            lines.append(line)

    def walk(element: etree._Element) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else None
        if tag is None:
            if element.tail:
                current.append(element.tail)
            return
        ident = element.get("id")
        if ident and ident in pending:
            flush()
            lines.extend(pending.pop(ident))
        if tag in _SKIP:
            if element.tail:
                current.append(element.tail)
            return
        if tag in _HEADINGS and _one_line(element.text_content()) in titles:
            flush()  # the navigation already heads this place
        else:
            block = tag in _BLOCKS
            if block:
                flush()
            if element.text:
                current.append(element.text)
            for child in element:
                walk(child)
            if block:
                flush()
        if element.tail:
            current.append(element.tail)

    body = tree.find("body")
    walk(body if body is not None else tree)
    flush()
    for rest in pending.values():  # anchors the document does not have: at its end
        lines.extend(rest)
    return lines


def _meta(book: EpubBook, name: str) -> str:
    try:
        found = book.get_metadata("DC", name)
    except Exception:
        return ""
    return str(found[0][0]) if found else ""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:120] or type(exc).__name__
