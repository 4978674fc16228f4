"""The word and character models the splice detector measures a cut with: word
log-probabilities (jieba's plus the article's own repeats) for the rejoin gain, the article's
character bigrams for coherence, and quotation marks per paragraph. The evidence and the
thresholds are :mod:`audiobook.text.splice`'s."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from functools import lru_cache

from audiobook.text.analysis import generic_lm
from audiobook.text.chars import COMMON_CLASSIFIERS, is_han, lm_class
from audiobook.text.wordstore import store

#: A word the article itself uses at least this often counts as a word (names, terms).
LOCAL_MIN_COUNT = 2
LOCAL_FREQ = 2000  # per use: about a mid-frequency dictionary word
#: An Arabic number followed by a measure word (415|個) rejoined is a number phrase: a gain of
#: this many nats over reading them apart. Weak alone (a number is followed by all sorts of
#: characters in news), so a number join is removed only with the passage's style as evidence.
NUMBER_JOIN_GAIN = 6.0
#: Costs (log-probabilities) of single characters the dictionary does not list: a digit, a
#: Latin letter, punctuation and other symbols. Realistic rather than "unknown word" costs, so
#: that windows holding different numbers of them compare fairly.
DIGIT_LOGP = math.log(1e-2)
LATIN_LOGP = math.log(1e-3)
SYMBOL_LOGP = math.log(2e-2)
#: Lower bound on the gain of the joined word alone (nats) for a right side to be considered.
MIN_WORD_GAIN = 3.0


_QUOTE_PAIRS = ("“”", "‘’", "「」", "『』")


class Words:
    """Word log-probabilities for the rejoin gain: jieba's, plus the article's own repeats."""

    def __init__(self, tokens: tuple[str, ...]) -> None:
        words = store()
        self.table = words.words
        self.log_total = math.log(words.total)
        self.unknown = math.log(0.5) - self.log_total
        counts = Counter(t for t in tokens if len(t) >= 2 and all(is_han(c) for c in t))
        self.local = {w: n * LOCAL_FREQ for w, n in counts.items() if n >= LOCAL_MIN_COUNT}
        self._memo: dict[str, float] = {}
        self._heads: dict[str, list[tuple[str, float]]] = {}

    def freq(self, word: str) -> float:
        f = self.table.get(word, 0) or 0
        local = self.local.get(word)
        if local:
            f = max(f, local)
        return f

    def logp(self, word: str) -> float | None:
        if len(word) == 1 and not is_han(word):
            if word.isdigit():
                return DIGIT_LOGP
            return LATIN_LOGP if word.isascii() and word.isalpha() else SYMBOL_LOGP
        if len(word) == 2 and word[0].isdigit() and word[1] in COMMON_CLASSIFIERS:
            return DIGIT_LOGP + self._single(word[1]) + NUMBER_JOIN_GAIN
        f = self.freq(word)
        if f:
            return math.log(f) - self.log_total
        return self.unknown if len(word) == 1 else None

    def _single(self, ch: str) -> float:
        f = self.freq(ch)
        return math.log(f) - self.log_total if f else self.unknown

    def best(self, text: str) -> float:
        """Log-probability of the best segmentation of ``text`` (a few characters)."""
        cached = self._memo.get(text)
        if cached is not None:
            return cached
        n = len(text)
        score = [0.0] + [-math.inf] * n
        for i in range(n):
            base = score[i]
            for word, lp in self._starting(text[i : i + 4]):
                k = i + len(word)
                if k <= n and base + lp > score[k]:
                    score[k] = base + lp
        self._memo[text] = score[n]
        return score[n]

    def _starting(self, head: str) -> list[tuple[str, float]]:
        """The words ``head`` starts with (its first character always), with their
        log-probabilities: one trie walk for the dictionary, a lookup for the article's own."""
        got = self._heads.get(head)
        if got is None:
            words = {head[0]}
            words.update(w for w in self.table.prefixes(head) if len(w) <= 4)
            words.update(head[:k] for k in range(2, len(head) + 1) if head[:k] in self.local)
            if len(head) >= 2:
                words.add(head[:2])  # a number and its measure word, when it is one
            got = []
            for word in words:
                lp = self.logp(word)
                if lp is not None:
                    got.append((word, lp))
            self._heads[head] = got
        return got


class ArticleLM:
    """Character bigrams of the article, backed off (Witten-Bell) to :func:`generic_lm`.

    Inside the article's own text, transitions are likelier under this model than under the
    generic one (the article repeats its names and terms); inside a foreign passage they are
    not. Each transition is scored leaving itself out, so a passage does not vouch for itself
    by its own occurrence.
    """

    def __init__(self, sh: str) -> None:
        self.generic = generic_lm()
        sym = self.sym = [lm_class(c) for c in sh]
        self.bigram: Counter[str] = Counter(a + b for a, b in itertools.pairwise(sym))
        self.context: Counter[str] = Counter(sym[:-1])
        self.types: Counter[str] = Counter(pair[0] for pair in self.bigram)

    def coherence(self, i: int, j: int) -> float:
        """Mean log-ratio of the transitions strictly inside [i, j), under a model of the
        article *without* the passage: a fiction passage repeats its own names (藍雪詩…
        藍), which must not make it look like the article."""
        inner = j - 1 - i
        if inner <= 0:
            return 0.0
        sym = self.sym
        pairs = Counter(sym[k - 1] + sym[k] for k in range(i + 1, j))
        contexts = Counter(sym[k - 1] for k in range(i + 1, j))
        total = 0.0
        for pair, times in pairs.items():
            a, b = pair[0], pair[1]
            t = self.types.get(a, 0) or 1
            g = self.generic.p(a, b)
            c = self.bigram.get(pair, 0) - times
            n = self.context.get(a, 0) - contexts[a]
            total += times * (math.log((max(0, c) + t * g) / (max(0, n) + t)) - math.log(g))
        return total / inner


class Quotes:
    """Quotation marks counted per paragraph with prefix sums, so that asking what a cut leaves
    unpaired costs the same in a 300-character paragraph and in a 200,000-character line."""

    def __init__(self, text: str) -> None:
        self.text = text
        marks = "".join(_QUOTE_PAIRS)
        self.prefix: dict[str, list[int]] = {}
        for mark in marks:
            counts = [0]
            for ch in text:
                counts.append(counts[-1] + (ch == mark))
            self.prefix[mark] = counts

    def _count(self, mark: str, lo: int, hi: int) -> int:
        p = self.prefix[mark]
        return p[hi] - p[lo]

    def imbalance(self, start: int, end: int) -> int:
        """Unpaired quotation marks in the paragraph around [start, end) once it is cut out.

        Fiction spliced in carries its dialogue's quotes; cutting a passage at the wrong place
        leaves an opening quote with no closing one (or the reverse), where the article's own
        quotations pair up.
        """
        text = self.text
        lo = text.rfind("\n", 0, start) + 1
        hi = text.find("\n", end)
        hi = len(text) if hi < 0 else hi
        total = 0
        for o, c in _QUOTE_PAIRS:
            opened = self._count(o, lo, start) + self._count(o, end, hi)
            closed = self._count(c, lo, start) + self._count(c, end, hi)
            total += abs(opened - closed)
        return total


@lru_cache(maxsize=1)
def _plain_words() -> Words:
    """The dictionary's words alone (no article): what partners are judged by across texts."""
    return Words(())


@lru_cache(maxsize=8192)
def dictionary_partners(left: str) -> tuple[tuple[str, float], ...]:
    """What :meth:`_Doc.partners` finds in the dictionary alone, kept across texts."""
    w = _plain_words()
    if left[-1].isdigit():
        words = [left + c for c in COMMON_CLASSIFIERS] if len(left) == 1 else []
    else:
        words = [k for k in w.table.keys_with_prefix(left) if len(left) < len(k) <= len(left) + 2]
    alone = w.best(left)
    found: dict[str, float] = {}
    for word in words:
        rest = word[len(left) :]
        lp = w.logp(word)
        if lp is None:
            continue
        g = lp - alone - w.best(rest)
        if g >= MIN_WORD_GAIN and g > found.get(rest, -math.inf):
            found[rest] = g
    return tuple(found.items())
