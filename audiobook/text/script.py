"""Script: turn an :class:`Article` into the segments an engine speaks, in listening order.

One segment per sentence, because sentences are where a pause sounds natural and where
engines' prosody resets; an over-long sentence is split at a comma or other pause so it fits
the engine's request size. Headings are spoken too (a listener who skips to a chapter should
hear where they landed), except the placeholder title of an untitled lead; the byline is
spoken after the first heading, so the listener hears who wrote the piece.
"""

from __future__ import annotations

import re

from audiobook.models import Article, Segment
from audiobook.text import has_letter_or_number
from audiobook.text.lexicon import Lexicon
from audiobook.text.normalise import normalise as normalise_text
from audiobook.text.structure import LEAD_TITLE

_SENTENCE = re.compile(r"[^。！？!?；;…\n]*(?:[。！？!?；;…]+[”’」』\"）)]*|$)")
_PAUSE = re.compile(r"(?<=[，,、：:—])")


def sentences(paragraph: str) -> list[str]:
    return [m.group(0).strip() for m in _SENTENCE.finditer(paragraph) if m.group(0).strip()]


def _fit(sentence: str, max_chars: int) -> list[str]:
    """Split at pauses into pieces of at most ``max_chars``; hard-cut a pause-less run."""
    if len(sentence) <= max_chars:
        return [sentence]
    pieces: list[str] = []
    current = ""
    for part in _PAUSE.split(sentence):
        while len(part) > max_chars:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(part[:max_chars])
            part = part[max_chars:]
        if len(current) + len(part) > max_chars:
            pieces.append(current)
            current = part
        else:
            current += part
    if current:
        pieces.append(current)
    return [p for p in pieces if p]


def _byline_unsaid(article: Article) -> bool:
    """Is there a byline the paragraphs do not already say? A byline printed inside the first
    paragraph ("新华社北京1月5日电（记者 张三）…") is spoken there, not twice."""
    if not article.byline or not article.sections:
        return False
    first = article.sections[0].paragraphs[:1]
    return not any(article.byline in p for p in first)


def script(
    article: Article, *, normalise: bool, max_chars: int, lexicon: Lexicon | None = None
) -> tuple[Segment, ...]:
    """Segments for every section; ``Segment.section`` indexes ``article.sections``."""
    max_chars = max(1, max_chars)
    out: list[Segment] = []

    def spoken(text: str) -> str:
        # A kicker's dash is a pause, whichever engine reads the heading.
        said = normalise_text(text) if normalise else text.replace("——", "，")
        return lexicon.apply(said) if lexicon is not None else said

    for s_index, section in enumerate(article.sections):
        index = 0
        blocks: list[tuple[str, bool]] = []
        if section.title and not (s_index == 0 and section.title == LEAD_TITLE):
            blocks.append((section.title, True))
        if s_index == 0 and _byline_unsaid(article):
            # Who wrote it is part of what a listener is told, right after the headline.
            blocks.append((article.byline or "", True))
        blocks += [(p, False) for p in section.paragraphs]
        for block, is_heading in blocks:
            pieces = [
                piece
                for sentence in ([block] if is_heading else sentences(block))
                for piece in _fit(sentence, max_chars)
                if has_letter_or_number(piece)
            ]
            for k, piece in enumerate(pieces):
                said = spoken(piece)
                if not has_letter_or_number(said):
                    continue
                out.append(
                    Segment(
                        section=s_index,
                        index=index,
                        display_text=piece,
                        spoken_text=said,
                        ends_paragraph=k == len(pieces) - 1,
                    )
                )
                index += 1
    return tuple(out)
