"""Detect passages of unrelated text spliced into an article, usually in the middle of a word.

Spam sites pad copied articles with fragments of other texts (web novels, often) pasted at a
random character position: ``監視委[…a love story…]員會``. The first design took "the two
sides of a cut join into a dictionary word, and the passage's words are new to the article"
as evidence. On real clean news that fired in three articles out of four: with a few hundred
thousand possible cuts in an article, some pair of characters always joins into a word
(疫情|节日 → 情节), and a news paragraph's words are often all new.

The evidence used now is what a cut *costs* the text, measured with a word model (jieba's
word frequencies plus the words the article itself repeats):

* **The rejoin gain** ``Δ``: how much more probable the text around the cut is with the
  passage taken out than with it in, at both seams at once (best segmentation of a few
  characters either side). A cut through ``委員會`` gains ten nats or more: the article's
  words come back whole. A chance word formed across two ordinary word boundaries gains
  little, because the text as it stands already segments well on both sides; and a cut at a
  place where the article's words are whole costs what it breaks.
* **The passage is foreign**: its content words occur nowhere else in the article, more than
  the article's own rate of one-off words explains (a likelihood ratio, so it grows with the
  passage's length); first/second person and a punctuation style the article does not use
  add to it; a passage that brings unpaired quotation marks into a paragraph whose own
  quotes pair up adds more; so does a passage whose character transitions are no likelier
  under a model of the article (without the passage) than under a generic one.
* **The page**: one already caught salted with spam keywords is likelier to carry pasted
  passages, and the bar drops by :data:`SPAM_PRIOR`.

A passage is **removed** only when the rejoin gain is large *and* the passage is foreign;
passages with weaker evidence are **suspects**: kept, listed by ``clean --diff``, removed only
when a producer asks for it (``--drop suspect``). The thresholds are set so that the clean news
corpus the project is measured on (``bench/front_end.py``) loses nothing; see the README for the
figures. Precision first: a missed fragment is audible and fixable, a deleted sentence is silent
damage.

The models a cut is measured with are in :mod:`audiobook.text.splice_model`.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from audiobook.text.analysis import cut, dictionary, shadow
from audiobook.text.chars import COMMON_CLASSIFIERS, is_han
from audiobook.text.splice_model import MIN_WORD_GAIN, ArticleLM, Quotes, Words, dictionary_partners

MIN_LEN = 8
MAX_LEN = 300
#: Spliced passages are a scraped page's disease: a text longer than this (a book, not a news
#: page: 50,000 characters is some four hours of speech) is not scanned.
SCAN_LIMIT = 50_000
#: At most this many passage ends are weighed for one seam (the best by their bound).
ENDS_PER_SEAM = 4
#: Characters of context either side of a seam that the rejoin gain looks at.
WINDOW = 3


#: The decision is one score (nats, roughly): rejoin gain + passage foreignness (capped) +
#: incoherence with the article (its character transitions less likely under a model of the
#: article than under a generic one, times the square root of its length) + style evidence.
#: REMOVE_SCORE sits above every candidate of the clean news corpus, both scripts (21.1 at the
#: last calibration, see the README), with a margin: a missed splice is the cheaper mistake.
REMOVE_SCORE = 23.0
REMOVE_GAIN = 6.0
SUSPECT_SCORE = 15.0
SUSPECT_GAIN = 5.0
MIN_NOVELTY = 0.6
STYLE_WEIGHT = 4.0
COHERENCE_WEIGHT = 2.0
INCOHERENCE_CAP = 5.0
#: The most that style and incoherence can add to a passage's score (for early rejection).
_MOST_EXTRA = COHERENCE_WEIGHT * INCOHERENCE_CAP + STYLE_WEIGHT * 4

#: A number rejoined with its measure word (415|個) is removed only with strong evidence from
#: the passage itself, including its style.
NUMBER_MIN_GAIN = 4.0
NUMBER_EVIDENCE = 3.0
#: Log-odds added in a document that has already been caught salted with spam keywords (two
#: or more inserted): a page a spam site rewrote is far likelier to carry pasted passages than
#: an article as its outlet published it. Clean articles never get it.
SPAM_PRIOR = 8.0
#: No candidate below this rejoin gain is looked at further.
MIN_GAIN = min(SUSPECT_GAIN, NUMBER_MIN_GAIN)
FOREIGN_NOVELTY = 0.95
EVIDENCE_CAP = 30.0
_GENERIC_FREQ = 10000  # jieba frequency above which a word says nothing about topic or register


# Singular first/second person: fiction and dialogue; news quotes mostly say 我们.
_PERSONAL = re.compile("[我你您咱俺](?![们們哋])")  # 我哋: Cantonese "we"
_FULL_COMMA = "，"
_HALF_COMMA = re.compile(r"(?<=[\u4e00-\u9fff]),(?=[\u4e00-\u9fff“‘\"])")


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    gain: float  # rejoin gain Δ (nats)
    evidence: float  # foreignness of the passage's words (log-likelihood ratio, capped)
    novelty: float
    personal: bool
    punct: bool
    quotes: bool  # the passage brings unpaired quotes into a paragraph whose own quotes pair
    number: bool = False  # the rejoin is a number and its measure word (415|個)
    coherence: float = 0.0  # mean log-ratio, article model over generic, inside the passage

    @property
    def styled(self) -> bool:
        """Evidence from the passage's style, not only its words."""
        return self.personal or self.punct or self.quotes

    @property
    def score(self) -> float:
        style = self.personal + self.punct + 2 * self.quotes
        incoherence = min(INCOHERENCE_CAP, -self.coherence * math.sqrt(self.end - self.start))
        return self.gain + self.evidence + COHERENCE_WEIGHT * incoherence + STYLE_WEIGHT * style

    def removable(self, prior: float = 0.0) -> bool:
        """Strong enough to remove; ``prior`` (nats) is what the rest of the document says
        (see :data:`SPAM_PRIOR`)."""
        if self.novelty < MIN_NOVELTY:
            return False
        if self.number:
            return (
                self.gain >= NUMBER_MIN_GAIN
                and self.styled
                and self.evidence >= NUMBER_EVIDENCE
                and self.score + prior >= REMOVE_SCORE
            )
        return self.gain >= REMOVE_GAIN and self.score + prior >= REMOVE_SCORE

    def suspect(self, prior: float = 0.0) -> bool:
        if self.novelty < MIN_NOVELTY:
            return False
        gain = NUMBER_MIN_GAIN if self.number else SUSPECT_GAIN
        return self.gain >= gain and self.score + prior >= SUSPECT_SCORE


@dataclass(frozen=True)
class Found:
    """What the detector decided for one text: passages to remove and suspects to report."""

    removed: tuple[tuple[int, int], ...]
    suspects: tuple[tuple[int, int], ...]


class _Doc:
    """One text's shadow, tokens and the per-position quantities the candidates share."""

    def __init__(self, text: str, sh: str) -> None:
        self.text = text
        self.sh = sh
        self.lm = ArticleLM(sh)
        self.quotes = Quotes(text)
        tokens = cut(sh)
        self.words = Words(tokens)
        self.tok_start: list[int] = []
        self.tok_end: list[int] = []
        self.tok_content: list[str | None] = []
        first: dict[str, int] = {}
        last: dict[str, int] = {}
        counts: dict[str, int] = {}
        freq = dictionary()
        pos = 0
        for tok in tokens:
            start, pos = pos, pos + len(tok)
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
        self._left: dict[int, float] = {}
        self._right: dict[int, float] = {}
        self._partners: dict[str, list[tuple[str, float]]] = {}

    # --- the rejoin gain ---------------------------------------------------------------------

    def left_cost(self, i: int) -> float:
        """log P(context + passage head) - log P(passage head): the left seam as it stands."""
        got = self._left.get(i)
        if got is None:
            head = self.sh[i : i + WINDOW]
            got = self.words.best(self.sh[max(0, i - WINDOW) : i] + head) - self.words.best(head)
            self._left[i] = got
        return got

    def right_cost(self, j: int) -> float:
        got = self._right.get(j)
        if got is None:
            tail = self.sh[max(0, j - WINDOW) : j]
            got = self.words.best(tail + self.sh[j : j + WINDOW]) - self.words.best(tail)
            self._right[j] = got
        return got

    def gain(self, i: int, j: int) -> float:
        joined = self.sh[max(0, i - WINDOW) : i] + self.sh[j : j + WINDOW]
        return self.words.best(joined) - self.left_cost(i) - self.right_cost(j)

    def partners(self, left: str) -> list[tuple[str, float]]:
        """Right-hand strings (1–2 characters) that make a word with ``left`` (the end of the
        text before a seam), with the word's gain over reading the two apart: the
        dictionary's (shared by every text) and the article's own repeated words."""
        got = self._partners.get(left)
        if got is None:
            found = dict(dictionary_partners(left))
            w = self.words
            for word in self.words.local:
                rest = word[len(left) :]
                if word.startswith(left) and 0 < len(rest) <= 2:
                    g = (w.logp(word) or -math.inf) - w.best(left) - w.best(rest)
                    if g >= MIN_WORD_GAIN and g > found.get(rest, -math.inf):
                        found[rest] = g
            got = sorted(found.items())
            self._partners[left] = got
        return got

    # --- the passage --------------------------------------------------------------------------

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

    def judge(self, i: int, j: int, gain: float) -> Candidate | None:
        """The passage [i, j) judged, or None when even the most its style and coherence
        could add would not make it a suspect (the cheap evidence is looked at first)."""
        novel, n = self.novelty(i, j)
        if n < 2 or novel < MIN_NOVELTY * n:
            return None
        h = self.baseline
        # Log-likelihood ratio "foreign passage" (nearly every word new to the article) against
        # "part of the article" (new words at the article's own rate).
        evidence = novel * math.log(FOREIGN_NOVELTY / h) + (n - novel) * math.log(
            (1 - FOREIGN_NOVELTY) / (1 - h)
        )
        evidence = min(EVIDENCE_CAP, evidence)
        if gain + evidence + _MOST_EXTRA + SPAM_PRIOR < SUSPECT_SCORE:
            return None
        span = self.sh[i:j]
        personal_in = len(_PERSONAL.findall(span))
        personal_out = self.personal_total - personal_in
        rest = len(self.sh) - (j - i)
        personal = personal_in > 1 and personal_out * (j - i) * 4 < personal_in * rest
        raw = self.text[i:j]
        full_in = raw.count(_FULL_COMMA)
        half_in = len(_HALF_COMMA.findall(raw))
        full_out = self.full_total - full_in
        half_out = self.half_total - half_in
        punct = (full_in > 0 and full_out == 0 and half_out > 1) or (
            half_in > 0 and half_out == 0 and full_out > 1
        )
        quotes = self.quotes.imbalance(i, j) == 0 and self.quotes.imbalance(i, i) > 0
        number = self.sh[i - 1].isdigit() and self.sh[j] in COMMON_CLASSIFIERS
        return Candidate(
            i, j, gain, evidence, novel / n, personal, punct, quotes, number,
            self.lm.coherence(i, j),
        )  # fmt: skip

    # --- the seams' wounds, for a cheap bound on the rejoin gain -------------------------------

    def left_wound(self, i: int) -> float:
        """How much the text as it stands joins across seam ``i`` (0 at a clean word break)."""
        return self.left_cost(i) - self.words.best(self.sh[max(0, i - WINDOW) : i])

    def right_wound(self, j: int) -> float:
        return self.right_cost(j) - self.words.best(self.sh[j : j + WINDOW])


def _starts(sh: str, lo: int, hi: int) -> dict[str, list[int]]:
    """Where each 1- and 2-character string of ``sh[lo:hi]`` starts (a seam's partners are
    looked up here: a passage never crosses a line, so one line's index at a time)."""
    starts: dict[str, list[int]] = {}
    for i in range(lo, hi):
        starts.setdefault(sh[i], []).append(i)
        if i + 1 < hi:
            starts.setdefault(sh[i : i + 2], []).append(i)
    return starts


def candidates(text: str) -> list[Candidate]:
    """Every passage whose removal would rejoin a word, judged (for inspection and tests).

    Texts longer than :data:`SCAN_LIMIT` (books, not scraped pages) are not scanned.
    """
    sh = shadow(text)
    if not MIN_LEN + 2 <= len(sh) <= SCAN_LIMIT:
        return []
    doc = _Doc(text, sh)
    out: list[Candidate] = []
    line_start = 0
    for line in sh.split("\n"):
        line_end = line_start + len(line)
        starts = _starts(sh, line_start, line_end) if len(line) > MIN_LEN + 1 else {}
        for i in range(line_start + 1, line_end - MIN_LEN):
            if not (is_han(sh[i - 1]) or sh[i - 1].isdigit()) or _joined(sh, i):
                continue
            found = [
                pair
                for size in (1, 2)
                if i - size >= line_start
                for pair in doc.partners(sh[i - size : i])
            ]
            if not found:
                continue
            # The rejoin gain is at most the best partner word's gain less what the cut breaks
            # on either side (see _Doc.left_wound): most seams are out before any j is tried.
            bound = max(g for _, g in found) - doc.left_wound(i)
            if bound < MIN_GAIN:
                continue
            lo, hi = i + MIN_LEN, min(line_end, i + MAX_LEN)
            ends: dict[int, float] = {}
            for rest, word_gain in found:
                where = starts.get(rest, ())
                k = bisect.bisect_left(where, lo)
                while k < len(where) and where[k] < hi:
                    j = where[k]
                    k += 1
                    if j in ends or _joined(sh, j):
                        continue
                    ends[j] = word_gain - doc.left_wound(i) - doc.right_wound(j)
            # The few most promising ends of this seam, not every one: a text made of common
            # characters offers hundreds, and the work per seam must stay bounded.
            for j, most in sorted(ends.items(), key=lambda e: -e[1])[:ENDS_PER_SEAM]:
                if most < MIN_GAIN:
                    break
                gain = doc.gain(i, j)
                if gain < MIN_GAIN:
                    continue
                cand = doc.judge(i, j, gain)
                if cand is not None and cand.suspect(SPAM_PRIOR):
                    out.append(cand)
        line_start = line_end + 1
    return out


def _joined(sh: str, i: int) -> bool:
    """Is position ``i`` inside a number or a Latin word (never a seam: 10|0, CO|VID)?"""
    a, b = sh[i - 1], sh[i]
    latin = a.isascii() and a.isalpha() and b.isascii() and b.isalpha()
    return (a.isdigit() and b.isdigit()) or latin


def _choose(pool: list[Candidate]) -> list[Candidate]:
    """Non-overlapping passages, best first; among overlapping ones the edges that rejoin best
    and leave the paragraph's quotes paired."""
    chosen: list[Candidate] = []
    for cand in sorted(pool, key=lambda c: (c.score, c.end - c.start), reverse=True):
        if all(cand.end <= o.start or cand.start >= o.end for o in chosen):
            chosen.append(cand)
    return sorted(chosen, key=lambda c: c.start)


@lru_cache(maxsize=8)
def analyse(text: str, prior: float = 0.0) -> Found:
    """The passages to remove and the suspects to report, non-overlapping."""
    pool = candidates(text)
    removed = _choose([c for c in pool if c.removable(prior)])
    rest = [
        c
        for c in pool
        if c.suspect(prior) and all(c.end <= r.start or c.start >= r.end for r in removed)
    ]
    suspects = _choose(rest)
    return Found(
        tuple((c.start, c.end) for c in removed), tuple((c.start, c.end) for c in suspects)
    )


def detect(text: str, prior: float = 0.0) -> list[tuple[int, int]]:
    """Spans of ``text`` judged to be spliced-in passages (removed by the ``splice`` rule)."""
    return list(analyse(text, prior).removed)


def suspects(text: str, prior: float = 0.0) -> list[tuple[int, int]]:
    """Spans with some evidence of a splice, too weak to remove unasked."""
    return list(analyse(text, prior).suspects)
