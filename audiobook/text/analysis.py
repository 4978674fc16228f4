"""Shared evidence for the content rules: a Simplified "shadow" of the text and its statistics.

Rules that judge content (spam keywords, spliced passages) look at a shadow of the input: the
same length, every character at the same index, but Simplified, NFKC-folded and lower-cased,
so one keyword list and jieba's (Simplified) dictionary serve Traditional and Simplified
input alike, and spans found on the shadow are spans of the input.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import logging
import os
import pickle
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jieba

from audiobook.text.convert import convert_aligned

jieba.setLogLevel(logging.WARNING)

#: Measure words and units that follow an Arabic number: "415|個" rejoined is a number phrase.
CLASSIFIERS = frozenset(
    "个名位家所座条项件只头台辆架艘张本份篇部次回场届期批种类块根支把间户人元角分万亿千百"
    "年月日号时点岁周天小秒米里斤克吨亩倍成度%多余"
)

#: The measure words that almost always follow a bare number in news text.
COMMON_CLASSIFIERS = frozenset("个名位家所座条项件只台辆张次种块户人元万亿年月日号岁%")


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _fold(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch).lower()
    return folded if len(folded) == 1 else ch


@lru_cache(maxsize=64)
def shadow(text: str) -> str:
    """Simplified, width-folded, lower-cased ``text`` with every index preserved."""
    folded = "".join(_fold(c) for c in text)
    return convert_aligned(folded, "t2s")


@lru_cache(maxsize=1)
def dictionary() -> dict[str, int]:
    """jieba's word -> frequency table (loaded once; about a second)."""
    jieba.dt.check_initialized()
    return jieba.dt.FREQ


def release_models() -> None:
    """Drop jieba's dictionary, the generic model and the per-document caches.

    For a process that has finished cleaning and goes on to other work (a book's front-end
    child, before the script): the memory goes back to Python's allocator for reuse. The
    next cleaning simply loads them again.
    """
    for cached in (dictionary, generic_lm, shadow, _bigrams):
        cached.cache_clear()
    tokenizer = jieba.dt
    with tokenizer.lock:
        tokenizer.FREQ, tokenizer.total, tokenizer.initialized = {}, 0, False
    import gc

    gc.collect()


_WORD_FREQ_MIN = 20  # below this jieba's entries are mostly rare names and compounds


def is_word(s: str) -> bool:
    return dictionary().get(s, 0) >= _WORD_FREQ_MIN


@dataclass(frozen=True)
class DocStats:
    """Character-bigram counts of one document (its own vocabulary)."""

    bigrams: Counter[str]

    @classmethod
    def of(cls, sh: str) -> DocStats:
        return cls(_bigrams(sh))

    def joins(self, left: str, right: str) -> bool:
        """Would ``left`` + ``right`` read as one word if they were adjacent?"""
        if left.isdigit() and right in CLASSIFIERS:
            return True
        if not (is_han(left) and is_han(right)):
            return False
        pair = left + right
        return self.bigrams[pair] > 0 or is_word(pair)

    def adjacent_word(self, left: str, right: str) -> bool:
        """Do the two characters, as they stand, form a word (so no cut falls between them)?"""
        if left.isdigit() and (right.isdigit() or right in CLASSIFIERS):
            return True
        if not (is_han(left) and is_han(right)):
            return False
        pair = left + right
        return self.bigrams[pair] > 1 or is_word(pair)


@lru_cache(maxsize=16)
def _bigrams(sh: str) -> Counter[str]:
    """Bigrams *inside* the document's words (jieba tokens), not across word boundaries.

    Counting only word-internal pairs keeps chance neighbours (开发区|经济 -> 区经) from
    passing as words the document uses.
    """
    counts: Counter[str] = Counter()
    for tok in jieba.cut(sh, HMM=True):
        if len(tok) >= 2:
            for a, b in itertools.pairwise(tok):
                if (is_han(a) or a.isdigit()) and is_han(b):
                    counts[a + b] += 1
    return counts


def lm_class(ch: str) -> str:
    """The symbol a character-bigram model sees: every digit is one symbol, every Latin letter
    another, so ``86|个`` is evidence for ``415|个`` and ``PPT`` for ``APP``."""
    if ch.isdigit():
        return "0"
    if "a" <= ch <= "z":
        return "a"
    return ch


_PUNCT_AFTER_WORD = 0.25  # about one word in four is followed by punctuation in news prose


def _wordlike(ch: str) -> bool:
    return ch in "0a" or is_han(ch)


@dataclass(frozen=True)
class GenericLM:
    """A character-bigram model of Chinese running text, from jieba's word frequencies.

    Inside a word the next character follows the dictionary's bigrams; after a character that
    ends a word (with the probability the dictionary gives it) the next one is drawn from the
    unigram. It is the model of "some other Chinese text" that a spliced passage is scored
    against, and it knows nothing about the article.
    """

    unigram: dict[str, float]
    bigram: dict[str, float]
    occurs: dict[str, float]
    ends: dict[str, float]
    total: float

    def p_uni(self, ch: str) -> float:
        return (self.unigram.get(ch, 0.0) + 1.0) / (self.total + 20000.0)

    def p(self, prev: str, ch: str) -> float:
        if not _wordlike(prev):
            return self.p_uni(ch)  # after punctuation a new word starts
        occ = self.occurs.get(prev, 0.0) + 1.0
        end = self.ends.get(prev, 0.0) + 1.0
        if not _wordlike(ch):
            # Punctuation follows the end of a word (the dictionary has no punctuation).
            return _PUNCT_AFTER_WORD * end / occ
        return (self.bigram.get(prev + ch, 0.0) + end * self.p_uni(ch)) / occ


#: Bump when :func:`_build_generic_lm` changes what it computes.
_LM_VERSION = "1"


@lru_cache(maxsize=1)
def generic_lm() -> GenericLM:
    """The generic model, from a disk cache when one matches jieba's dictionary.

    Building it walks jieba's 350,000 words (about a second, most of a short article's
    cleaning time); loading the cached tables takes a tenth of that. The cache is keyed by
    the dictionary file's identity and our version, written atomically, and rebuilt when
    missing or unreadable, so deleting it is always safe.
    """
    path = _lm_cache_path()
    if path is not None:
        try:
            with path.open("rb") as fh:
                tables = pickle.load(fh)
            return GenericLM(*tables)
        except (OSError, pickle.UnpicklingError, EOFError, TypeError, ValueError):
            pass
    lm = _build_generic_lm()
    if path is not None:
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                tables = (lm.unigram, lm.bigram, lm.occurs, lm.ends, lm.total)
                pickle.dump(tables, fh, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(path)
    return lm


def _lm_cache_path() -> Path | None:
    try:
        source = Path(jieba.dt.get_dict_file().name)
        stat = source.stat()
    except (OSError, AttributeError):
        return None
    ident = f"{_LM_VERSION}|{source}|{stat.st_size}|{stat.st_mtime_ns}|{jieba.__version__}"
    digest = hashlib.sha256(ident.encode()).hexdigest()[:16]
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    root = (Path(base) if base else Path.home() / ".cache") / "audiobook"
    return root / f"generic-lm-{digest}.pickle"


def _build_generic_lm() -> GenericLM:
    uni: Counter[str] = Counter()
    bi: Counter[str] = Counter()
    ends: Counter[str] = Counter()
    for word, freq in dictionary().items():
        if freq <= 0:
            continue
        w = float(freq)
        for c in word:
            uni[lm_class(c)] += w
        for a, b in itertools.pairwise(word):
            bi[lm_class(a) + lm_class(b)] += w
        ends[lm_class(word[-1])] += w
    # A number is followed by more digits or a measure word, practically never by 也 or 说.
    total = float(sum(uni.values()))
    uni["0"] += total * 0.005
    ends["0"] += total * 0.001
    for c in CLASSIFIERS:
        bi["0" + c] += total * 0.002 / len(CLASSIFIERS)
    bi["00"] += total * 0.002
    return GenericLM(dict(uni), dict(bi), dict(uni), dict(ends), float(sum(uni.values())))
