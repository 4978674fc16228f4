"""Detect passages of unrelated text spliced into an article, usually in the middle of a word.

Spam sites pad copied articles with fragments of other texts (web novels, often) pasted at a
random character position: ``監視委[…a love story…]員會``. Two kinds of evidence, both taken
from the document itself rather than from any list of fragments:

1. **The cut breaks a word.** The characters either side of the passage join into a word —
   a bigram the document uses elsewhere (委員, 平湖), a jieba dictionary word (事務), or a
   number and its measure word (415|個) — while neither edge of the passage forms a word with
   its neighbour.
2. **The passage is foreign to the document.** Its content words occur nowhere else in the
   article (more than the article's own rate of one-off words would explain); it may switch to
   first/second person or use a different punctuation style (full-width ``，`` in a text that
   otherwise writes ``,``).

A passage is removed only when both hold strongly; precision matters more than recall here,
because a wrongly removed sentence is silent damage while a missed fragment is audible and
the producer can re-run with ``--diff`` to see it. ``tests/text/test_splice.py`` measures
precision and recall on synthetic splices of fiction into the news fixtures.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import jieba

from audiobook.text.analysis import DocStats, is_han, shadow

MIN_LEN = 8
MAX_LEN = 400
THRESHOLD = 1.0

_PERSONAL = re.compile("[我你您咱俺]")
_FULL_COMMA = "，"
_HALF_COMMA = re.compile(r"(?<=[\u4e00-\u9fff]),(?=[\u4e00-\u9fff“‘\"])")


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    score: float
    novelty: float
    baseline: float
    personal: bool
    punct: bool
    join: str


class _Doc:
    def __init__(self, sh: str) -> None:
        self.sh = sh
        self.stats = DocStats.of(sh)
        self.tok_start: list[int] = []
        self.tok_end: list[int] = []
        self.tok_content: list[str | None] = []
        first: dict[str, int] = {}
        last: dict[str, int] = {}
        counts: dict[str, int] = {}
        pos = 0
        for tok in jieba.cut(sh, HMM=False):
            start, pos = pos, pos + len(tok)
            content = tok if len(tok) >= 2 and all(is_han(c) for c in tok) else None
            self.tok_start.append(start)
            self.tok_end.append(pos)
            self.tok_content.append(content)
            if content:
                first.setdefault(content, start)
                last[content] = start
                counts[content] = counts.get(content, 0) + 1
        self.first, self.last = first, last
        total = sum(counts.values())
        hapax = sum(1 for c in counts.values() if c == 1)
        # The article's own rate of one-off words: short texts have many, so novelty must beat it.
        self.baseline = hapax / total if total else 1.0
        self.personal_total = len(_PERSONAL.findall(sh))
        self.full_total = sh.count(_FULL_COMMA)
        self.half_total = len(_HALF_COMMA.findall(sh))

    def novelty(self, i: int, j: int) -> tuple[float, int]:
        lo = bisect.bisect_left(self.tok_start, i)
        hi = bisect.bisect_left(self.tok_start, j)
        n = novel = 0
        for k in range(lo, hi):
            tok = self.tok_content[k]
            if tok is None or self.tok_end[k] > j:
                continue
            n += 1
            if self.first[tok] >= i and self.last[tok] < j:
                novel += 1
        return (novel / n if n else 0.0), n


def candidates(text: str) -> list[Candidate]:
    """Every passage with a word-breaking cut, scored (for inspection and calibration)."""
    sh = shadow(text)
    if len(sh) < MIN_LEN + 2:
        return []
    doc = _Doc(sh)
    stats = doc.stats
    out: list[Candidate] = []
    # breaks[i]: no word spans the boundary between sh[i-1] and sh[i].
    breaks = [True] + [not stats.adjacent_word(sh[i - 1], sh[i]) for i in range(1, len(sh))]
    line_start = 0
    for line in sh.split("\n"):
        line_end = line_start + len(line)
        for i in range(line_start + 1, line_end - MIN_LEN):
            left = sh[i - 1]
            if not (is_han(left) or left.isdigit()) or not breaks[i]:
                continue
            for j in range(i + MIN_LEN, min(line_end, i + MAX_LEN)):
                right = sh[j]
                if not breaks[j] or not stats.joins(left, right):
                    continue
                cand = _score(doc, i, j, left + right)
                if cand is not None:
                    out.append(cand)
        line_start = line_end + 1
    return out


def _score(doc: _Doc, i: int, j: int, pair: str) -> Candidate | None:
    novelty, n = doc.novelty(i, j)
    if n < 3:
        return None
    span = doc.sh[i:j]
    personal_in = len(_PERSONAL.findall(span))
    personal_out = doc.personal_total - personal_in
    # First/second person the rest of the article hardly uses.
    personal = personal_in > 0 and personal_out * (j - i) < personal_in * (len(doc.sh) - (j - i)) / 4
    full_in = span.count(_FULL_COMMA)
    half_in = len(_HALF_COMMA.findall(span))
    full_out = doc.full_total - full_in
    half_out = doc.half_total - half_in
    # A punctuation style the rest of the article never uses.
    punct = (full_in > 0 and full_out == 0 and half_out > 0) or (
        half_in > 0 and half_out == 0 and full_out > 0
    )
    join = "doc" if doc.stats.bigrams[pair] > 0 else "num" if pair[0].isdigit() else "dict"
    excess = novelty - doc.baseline
    score = 2.0 * excess + 0.4 * personal + 0.6 * punct + (0.3 if join != "dict" else 0.0)
    return Candidate(i, j, score, novelty, doc.baseline, personal, punct, join)


def detect(text: str, threshold: float = THRESHOLD) -> list[tuple[int, int]]:
    """Spans of ``text`` judged to be spliced-in passages (non-overlapping)."""
    chosen: list[tuple[int, int]] = []
    ranked = sorted(
        (c for c in candidates(text) if c.score >= threshold and c.novelty >= 0.75),
        key=lambda c: (round(c.score, 1), c.end - c.start),
        reverse=True,
    )
    for c in ranked:
        if all(c.end <= s or c.start >= e for s, e in chosen):
            chosen.append((c.start, c.end))
    return sorted(chosen)
