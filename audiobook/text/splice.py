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

Where several overlapping candidates score about as well, the edges are chosen by a character
bigram model of the article (backed off to a generic model built from jieba's word list): the
cut pair that rejoins the text most naturally while breaking it least naturally, and that leaves
the paragraph's quotation marks paired (fiction brings its own dialogue quotes).

A passage is removed only when both hold strongly; precision matters more than recall here,
because a wrongly removed sentence is silent damage while a missed fragment is audible and
the producer can re-run with ``--diff`` to see it. ``tests/text/test_splice.py`` measures
precision and recall on synthetic splices of fiction into the news fixtures.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from dataclasses import dataclass, replace

from audiobook.text.analysis import (
    COMMON_CLASSIFIERS,
    DocStats,
    cut,
    dictionary,
    generic_lm,
    is_han,
    lm_class,
    shadow,
)

MIN_LEN = 8
MAX_LEN = 400
MIN_WORDS = 4
FOREIGN_NOVELTY = 0.95
MIN_EVIDENCE = 1.0
WOUND_WEIGHT = 1.0
THRESHOLD = 8.0
MIN_NOVELTY = 0.6
RIVAL_MARGIN = 3.0  # candidates this close to the best score compete on their cut points
EDGE_WEIGHT = 0.3
QUOTE_WEIGHT = 2.0  # per quotation mark left unpaired in the paragraph by a cut
_QUOTE_PAIRS = ("“”", "‘’", "「」", "『』")

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
    edge: float = 0.0  # log-likelihood gain at the two cuts (see _ArticleLM.edge_gain)


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
        for tok in cut(sh):
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


class _ArticleLM:
    """Character bigrams of the article, backed off (Witten-Bell) to :func:`generic_lm`.

    ``edge_gain`` compares the text with a passage cut out against the text as it
    stands, at the only places they differ: the new join ``text[s-1] + text[e]`` against the
    two transitions it replaces. A splice pasted mid-word scores high (委|員 rejoined, 委|藍 and
    藍|員 never seen); a cut at an ordinary word boundary scores near zero.
    """

    def __init__(self, sh: str) -> None:
        self.generic = generic_lm()
        self.sym = [lm_class(c) for c in sh]
        s = self.sym
        self.bigram: dict[str, int] = {}
        self.context: dict[str, int] = {}
        for a, b in itertools.pairwise(s):
            self.bigram[a + b] = self.bigram.get(a + b, 0) + 1
            self.context[a] = self.context.get(a, 0) + 1
        self.types: dict[str, int] = {}
        for pair in self.bigram:
            self.types[pair[0]] = self.types.get(pair[0], 0) + 1

    def p(self, a: str, b: str, leave_out: int = 0) -> float:
        t = self.types.get(a, 0) or 1
        c = self.bigram.get(a + b, 0) - leave_out
        n = self.context.get(a, 0) - leave_out
        return (max(0, c) + t * self.generic.p(a, b)) / (max(0, n) + t)

    def edge_gain(self, i: int, j: int) -> float:
        s = self.sym
        return (
            math.log(self.p(s[i - 1], s[j]))
            - math.log(self.p(s[i - 1], s[i], 1))
            - math.log(self.p(s[j - 1], s[j], 1))
        )


def candidates(text: str) -> list[Candidate]:
    """Every passage with a word-breaking cut, scored (for inspection and calibration)."""
    sh = shadow(text)
    if len(sh) < MIN_LEN + 2:
        return []
    doc = _Doc(text, sh)
    lm = _ArticleLM(sh)
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
                    out.append(replace(cand, edge=lm.edge_gain(i, j)))
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
    if evidence < MIN_EVIDENCE:
        return None
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
    wound = doc.wound(pair[0], pair[1])
    score = evidence + 1.5 * personal + 3.0 * punct + strength + WOUND_WEIGHT * wound
    return Candidate(i, j, score, novelty, h, personal, punct, join, wound)


def _quote_imbalance(text: str, start: int, end: int) -> int:
    """Unpaired quotation marks in the paragraph around [start, end) once it is cut out.

    Fiction spliced in carries its dialogue's quotes; cutting a passage at the wrong place
    leaves an opening quote with no closing one (or the reverse), where the article's own
    quotations pair up.
    """
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    hi = len(text) if hi < 0 else hi
    rest = text[lo:start] + text[end:hi]
    return sum(abs(rest.count(o) - rest.count(c)) for o, c in _QUOTE_PAIRS)


def detect(text: str, threshold: float | None = None) -> list[tuple[int, int]]:
    """Spans of ``text`` judged to be spliced-in passages (non-overlapping).

    A passage is *found* by its score (word-breaking cut + foreign vocabulary); its *edges* are
    then chosen among the candidates that overlap it and score nearly as well, by the score plus
    the bigram model's gain at the cuts: the pair of cut points that breaks the article's text
    least naturally and rejoins it most naturally.
    """
    threshold = THRESHOLD if threshold is None else threshold
    pool = [c for c in candidates(text) if c.novelty >= MIN_NOVELTY]
    anchors = sorted(
        (c for c in pool if c.score >= threshold),
        key=lambda c: (c.score, c.end - c.start),
        reverse=True,
    )
    chosen: list[Candidate] = []

    def free(c: Candidate) -> bool:
        return all(c.end <= o.start or c.start >= o.end for o in chosen)

    for anchor in anchors:
        if not free(anchor):
            continue
        rivals = [
            c
            for c in pool
            if c.start < anchor.end
            and c.end > anchor.start
            and c.score >= anchor.score - RIVAL_MARGIN
            and free(c)
        ]
        chosen.append(
            max(
                rivals,
                key=lambda c: (
                    c.score
                    + EDGE_WEIGHT * c.edge
                    - QUOTE_WEIGHT * _quote_imbalance(text, c.start, c.end)
                ),
            )
        )
    return sorted((c.start, c.end) for c in chosen)
