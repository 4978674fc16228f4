"""What every cleaning rule shares: the span it returns, the context of one :func:`clean`
call, and the walk over lines."""

from __future__ import annotations

import re
from collections.abc import Iterable

from audiobook.text import splice
from audiobook.text.analysis import shadow

Span = tuple[int, int]


class Context:
    """What the rules need that stays the same for every pass of one :func:`clean` call."""

    def __init__(self, keywords: tuple[str, ...], user_keywords: tuple[str, ...]) -> None:
        # Keywords are matched on the shadow, longest first.
        shadowed = sorted(
            {shadow(k) for k in keywords + user_keywords if k.strip()}, key=len, reverse=True
        )
        self.keyword_pattern: re.Pattern[str] | None = (
            re.compile("|".join(re.escape(k) for k in shadowed)) if shadowed else None
        )
        # Keywords the user named for this run are spam by their word, wherever they stand.
        self.mine = {shadow(k) for k in user_keywords if k.strip()}
        # SEO keyword lines found so far in this document (see keyword_line).
        self.keyword_lines = 0
        #: Spam keywords and keyword lines removed so far: a salted page is likelier to carry
        #: pasted passages.
        self.spam = 0

    @property
    def splice_prior(self) -> float:
        return splice.SPAM_PRIOR if self.spam >= 2 else 0.0


def each_line(text: str) -> Iterable[tuple[int, int, str]]:
    """(start, end, line) for each line, ``end`` before its newline."""
    pos = 0
    for line in text.split("\n"):
        yield pos, pos + len(line), line
        pos += len(line) + 1


def line_span(text: str, start: int, end: int) -> Span:
    """A whole line including its newline (or the newline before it, on the last line)."""
    if end < len(text):
        return start, end + 1
    if start > 0:
        return start - 1, end
    return start, end
