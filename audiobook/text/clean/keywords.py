"""Spam keywords: the shipped list and the user's, and where a match is spam by its place."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from audiobook.text.analysis import DocStats, shadow
from audiobook.text.clean.context import Context, Span


@lru_cache(maxsize=1)
def shipped_keywords() -> tuple[str, ...]:
    """The maintained list in ``audiobook/data/spam_keywords.txt``."""
    raw = resources.files("audiobook.data").joinpath("spam_keywords.txt").read_text("utf-8")
    return parse_keywords(raw)


def parse_keywords(raw: str) -> tuple[str, ...]:
    words = []
    for line in raw.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.append(line)
    return tuple(words)


def keyword_spans(text: str, ctx: Context) -> list[Span]:
    """Spam keywords, removed only where the document shows they were inserted.

    Evidence for an occurrence: the characters either side of it join into a word (a
    dictionary word or a bigram the document uses elsewhere), i.e. it sits inside a word; or
    it stands alone between sentences, which a word the article means never does.
    A document with two or more such occurrences (an SEO keyword line counts as one) is being
    salted, and then every occurrence of a listed keyword goes; a single keyword in an
    otherwise clean text stays unless it itself breaks a word.
    """
    if ctx.keyword_pattern is None:
        return []
    sh = shadow(text)
    hits = [m.span() for m in ctx.keyword_pattern.finditer(sh)]
    if not hits:
        return []
    stats = DocStats.of(sh)
    hits = [_with_tail(sh, h) for h in hits]
    inserted = [h for h in hits if _breaks_word(sh, h, stats) or _stands_alone(sh, h)]
    if len(inserted) + ctx.keyword_lines >= 2:
        return hits
    return [h for h in hits if h in inserted or sh[h[0] : h[1]] in ctx.mine]


_FRAGMENT_HEAD = re.compile(r"[。！？!?][ \t\u3000]*([^\s。！？!?，,；;：:、“”「」（）()]{0,4})$")
_TAIL = re.compile(r"[^\s。！？!?，,；;：:、“”「」（）()]{0,6}(?=[ \t\u3000]*(?:\n|$))")


def _with_tail(sh: str, span: Span) -> Span:
    """A keyword in a fragment trailing a paragraph's last sentence, a few characters with no
    punctuation up to the line's end (``…材料费。网上真人百家乐``, ``…协调会。百家乐网站``),
    takes the fragment with it: prose ends with punctuation, an insertion need not. Elsewhere
    the keyword's span is kept as found."""
    start, end = span
    line_start = sh.rfind("\n", 0, start) + 1
    head = _FRAGMENT_HEAD.search(sh, line_start, start)
    tail = _TAIL.match(sh, end)
    if head is None or tail is None:
        return span
    return (head.start(1), tail.end())


def _stands_alone(sh: str, span: Span) -> bool:
    """Is the keyword a sentence or line of its own (``…二十个。百家乐 市民说…``)?

    News uses a word inside a sentence; a keyword between a sentence's end (or a line's
    start) and the next sentence's end, a space or the line's end was put there.
    """
    start, end = span
    before = sh[:start].rstrip(" \t\u3000")
    after = sh[end:]
    left = not before or before[-1] in "\n。！？!?"
    right = not after or after[0] in "\n。！？!? \t\u3000"
    return left and right


def _breaks_word(sh: str, span: Span, stats: DocStats) -> bool:
    start, end = span
    if start == 0 or end >= len(sh):
        return False
    left, right = sh[start - 1], sh[end]
    return stats.joins(left, right)
