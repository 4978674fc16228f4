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
import math
import re
from dataclasses import dataclass

import jieba

from audiobook.text.analysis import COMMON_CLASSIFIERS, DocStats, dictionary, is_han, shadow

MIN_LEN = 8
MAX_LEN = 400
MIN_WORDS = 4
FOREIGN_NOVELTY = 0.95
MIN_EVIDENCE = 1.0
WOUND_WEIGHT = 1.0
THRESHOLD = 8.0

# Singular first/second person: fiction and dialogue; news quotes mostly say 我们.
_PERSONAL = re.compile("[我你您咱俺](?![们們])")
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
    wound: float = 0.0


_GENERIC_FREQ = 10000  # jieba frequency above which a word says nothing about topic or register


class _Doc:
    def __init__(self, text: str, sh: str) -> None:
        self.text = text
        self.sh = sh
        self.stats = DocStats.of(sh)
        self.tok_start: list[int] = []
        self.tok_end: list[int] = []
        self.tok_content: list[str | None] = []
        # How often each character ends / starts a word in this article: a cut that leaves a
        # character where the article never lets it stand (平| of 平湖, |湖 of 平湖市) is a wound.
        self.char_total: dict[str, int] = {}
        self.char_final: dict[str, int] = {}
        self.char_initial: dict[str, int] = {}
        first: dict[str, int] = {}
        last: dict[str, int] = {}
        counts: dict[str, int] = {}
        freq = dictionary()
        pos = 0
        for tok in jieba.cut(sh, HMM=True):
            start, pos = pos, pos + len(tok)
            for c in tok:
                self.char_total[c] = self.char_total.get(c, 0) + 1
            self.char_final[tok[-1]] = self.char_final.get(tok[-1], 0) + 1
            self.char_initial[tok[0]] = self.char_initial.get(tok[0], 0) + 1
            specific = (
                len(tok) >= 2 and all(is_han(c) for c in tok) and freq.get(tok, 0) < _GENERIC_FREQ
            )
            content = tok if specific else None
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
        self.baseline = min(0.8, max(0.3, hapax / total)) if total else 0.8
        self.personal_total = len(_PERSONAL.findall(sh))
        self.full_total = text.count(_FULL_COMMA)
        self.half_total = len(_HALF_COMMA.findall(text))

    def wound(self, left: str, right: str) -> float:
        """Surprise (nats, capped) at ``left`` ending a word and ``right`` starting one."""
        total_l = self.char_total.get(left, 0) + 1
        total_r = self.char_total.get(right, 0) + 1
        p_end = (self.char_final.get(left, 0) + 0.5) / total_l
        p_start = (self.char_initial.get(right, 0) + 0.5) / total_r
        return min(3.0, -math.log(min(1.0, p_end))) + min(3.0, -math.log(min(1.0, p_start)))

    def novelty(self, i: int, j: int) -> tuple[int, int]:
        """(novel, total) specific words inside [i, j); novel = used nowhere else."""
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
        return novel, n


def candidates(text: str) -> list[Candidate]:
    """Every passage with a word-breaking cut, scored (for inspection and calibration)."""
    sh = shadow(text)
    if len(sh) < MIN_LEN + 2:
        return []
    doc = _Doc(text, sh)
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
    novel, n = doc.novelty(i, j)
    if n < MIN_WORDS:
        return None
    novelty = novel / n
    h = doc.baseline
    # Log-likelihood ratio "foreign passage" (nearly every word new to the article) against
    # "part of the article" (new words at the article's own rate). Unlike a share, it grows
    # with a passage's length and drops when a boundary strays into the article's own words.
    evidence = novel * math.log(FOREIGN_NOVELTY / h) + (n - novel) * math.log(
        (1 - FOREIGN_NOVELTY) / (1 - h)
    )
    span = doc.sh[i:j]
    personal_in = len(_PERSONAL.findall(span))
    personal_out = doc.personal_total - personal_in
    # First/second person that the rest of the article hardly uses.
    rest = len(doc.sh) - (j - i)
    personal = personal_in > 1 and personal_out * (j - i) * 4 < personal_in * rest
    raw = doc.text[i:j]
    full_in = raw.count(_FULL_COMMA)
    half_in = len(_HALF_COMMA.findall(raw))
    full_out = doc.full_total - full_in
    half_out = doc.half_total - half_in
    # A punctuation style the rest of the article never uses.
    punct = (full_in > 0 and full_out == 0 and half_out > 1) or (
        half_in > 0 and half_out == 0 and full_out > 1
    )
    join = "doc" if doc.stats.bigrams[pair] > 0 else "num" if pair[0].isdigit() else "dict"
    # How surely the two sides were one word: common dictionary words (委員, 事務) and pairs the
    # article itself writes as words (平湖 in 平湖市) beat chance neighbours (村|村).
    strength = (
        (2.0 if pair[1] in COMMON_CLASSIFIERS else 1.0)
        if join == "num"
        else min(
            3.0, math.log10(1 + dictionary().get(pair, 0)) + math.log2(1 + doc.stats.bigrams[pair])
        )
    )
    if evidence < MIN_EVIDENCE:
        return None
    wound = doc.wound(pair[0], pair[1])
    score = evidence + 1.5 * personal + 3.0 * punct + strength + WOUND_WEIGHT * wound
    return Candidate(i, j, score, novelty, h, personal, punct, join, wound)


def detect(text: str, threshold: float | None = None) -> list[tuple[int, int]]:
    """Spans of ``text`` judged to be spliced-in passages (non-overlapping)."""
    threshold = THRESHOLD if threshold is None else threshold
    chosen: list[tuple[int, int]] = []
    ranked = sorted(
        (c for c in candidates(text) if c.score >= threshold and c.novelty >= 0.6),
        key=lambda c: (c.score, c.end - c.start),
        reverse=True,
    )
    for c in ranked:
        if all(c.end <= s or c.start >= e for s, e in chosen):
            chosen.append((c.start, c.end))
    return sorted(chosen)
