"""Markdown to the plain text the rest of the front end reads.

A producer's Markdown carries markup a listener must not hear (``**``, link targets, image
syntax, code fences). We parse it with markdown-it-py (CommonMark, already installed with
rich) and keep only what a reader sees: headings stay as ``#`` lines so the structure stage
can find them, paragraphs and list items become lines, link texts stay and their URLs go.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

_PARSER = MarkdownIt("commonmark")
_BLOCKS_WITH_TEXT = {"paragraph_open", "heading_open"}


def to_text(source: str) -> str:
    """The readable text of a Markdown document, one block per line."""
    lines: list[str] = []
    tokens = _PARSER.parse(source)
    heading = ""
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            heading = "#" * int(token.tag[1:]) + " "
        elif token.type == "inline" and i > 0 and tokens[i - 1].type in _BLOCKS_WITH_TEXT:
            text = _inline_text(token.children or [])
            if text.strip():
                lines.append(heading + text.strip())
            heading = ""
        # Other tokens are skipped: code and HTML blocks and rules are not read; lists and
        # quotes are read through the paragraphs inside them.
    return "\n".join(lines) + "\n"


def _inline_text(children: list[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        # link_open/close, em/strong markers, images and inline HTML carry nothing to say
    return "".join(parts)
