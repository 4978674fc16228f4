"""Word documents (DOCX): the newsroom's memos and drafts, headings as chapters.

python-docx reads the paragraphs and tables in body order. A paragraph is a heading by its
style (``Heading 1``…, which Word stores in English whatever the interface language, or a
localised ``标题 1``/``標題 1`` of a custom template) or by an outline level set on the
paragraph or its style, which is what Word's navigation pane itself uses. The ``Title`` style
(else the document's Title property) is the episode's title. The result is the Markdown-like
text every reader writes, so the structure stage ranks the heading levels as it does for
Markdown: ``Heading 1`` chapters, ``Heading 2`` sections inside them, and so on.
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import TYPE_CHECKING

from audiobook.errors import InputError
from audiobook.models import Document

if TYPE_CHECKING:  # imported where used: python-docx loads lxml and more
    from docx.text.paragraph import Paragraph

_HEADING_STYLE = re.compile(r"^(?:heading|标题|標題)\s*([1-9])$", re.I)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def from_docx(data: bytes, source: str) -> Document:
    """The text of a DOCX file: ``# title``, ``##``… headings, a paragraph a line."""
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors...
        raise InputError(f"{source}: not a readable Word document ({_short(exc)})") from exc
    title: str | None = None
    lines: list[tuple[int, str]] = []  # (heading level or 0, text)
    for child in document.element.body.iterchildren():
        if child.tag == f"{_W}p":
            paragraph = Paragraph(child, document)
            text = _one_line(paragraph.text)
            if not text:
                continue
            style = paragraph.style.name if paragraph.style is not None else ""
            if style.lower() == "title" and title is None:
                title = text
                continue
            lines.append((_level(paragraph, style), text))
        elif child.tag == f"{_W}tbl":
            for row in Table(child, document).rows:
                cells = [_one_line(cell.text) for cell in row.cells]
                unique = list(dict.fromkeys(c for c in cells if c))  # merged cells repeat
                if unique:
                    lines.append((0, "，".join(unique)))
    if title is None:
        prop = _one_line(document.core_properties.title or "")
        title = prop or None
    if not lines and not title:
        raise InputError(f"{source}: the Word document has no text")
    # With a title the headings sit below it; without one, a first Heading 1 is the title,
    # as a Markdown file's first ``#`` line is.
    shift = 1 if title else 0
    out = [f"# {title}"] if title else []
    for level, text in lines:
        out.append(("#" * min(level + shift, 6) + " " + text) if level else text)
    return Document("\n".join(out) + "\n", "docx", source)


def _level(paragraph: Paragraph, style_name: str) -> int:
    """The paragraph's heading level (1…9), or 0 for body text."""
    match = _HEADING_STYLE.match(style_name.strip())
    if match:
        return int(match.group(1))
    # An outline level on the paragraph, else on its style (Word's own test for a heading).
    element = paragraph._p
    candidates = [element]
    style = getattr(paragraph, "style", None)
    if style is not None:
        candidates.append(style.element)
    for node in candidates:
        found = node.find(f"{_W}pPr/{_W}outlineLvl")
        if found is not None:
            value = found.get(f"{_W}val", "9")
            if value.isdigit() and int(value) < 9:
                return int(value) + 1
    return 0


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:120] or type(exc).__name__
