"""Shared evidence for the content rules: a Simplified "shadow" of the text and its statistics.

Rules that judge content (spam keywords, spliced passages) look at a shadow of the input: the
same length, every character at the same index, but Simplified, NFKC-folded and lower-cased,
so one keyword list and jieba's (Simplified) dictionary serve Traditional and Simplified
input alike, and spans found on the shadow are spans of the input.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from audiobook.text import wordstore
from audiobook.text.chars import CLASSIFIERS, is_han
from audiobook.text.convert import convert_aligned


def _fold(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch).lower()
    return folded if len(folded) == 1 else ch


@lru_cache(maxsize=64)
def shadow(text: str) -> str:
    """Simplified, width-folded, lower-cased ``text`` with every index preserved."""
    folded = "".join(_fold(c) for c in text)
    return convert_aligned(folded, "t2s")


def dictionary() -> Mapping[str, float]:
    """jieba's word -> frequency table (memory-mapped: see :mod:`audiobook.text.wordstore`)."""
    return wordstore.store().words


@lru_cache(maxsize=16)
def cut(text: str) -> tuple[str, ...]:
    """jieba's segmentation of ``text`` (with its HMM for words it does not know); kept for
    the few texts a cleaning looks at, since several rules segment the same shadow."""
    return tuple(wordstore.tokenizer().cut(text, HMM=True))


def release_models() -> None:
    """Drop the per-document caches and close the dictionary store.

    For a process that has finished cleaning and goes on to other work (a book's front-end
    child, before the script). The store's pages are file-backed, so this mostly returns the
    caches; the next cleaning opens the store again.
    """
    for cached in (generic_lm, shadow, _bigrams, cut):
        cached.cache_clear()
    wordstore.release()
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
    for tok in cut(sh):
        if len(tok) >= 2:
            for a, b in itertools.pairwise(tok):
                if (is_han(a) or a.isdigit()) and is_han(b):
                    counts[a + b] += 1
    return counts


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

    unigram: Mapping[str, float]
    bigram: Mapping[str, float]
    ends: Mapping[str, float]
    total: float

    def p_uni(self, ch: str) -> float:
        return (self.unigram.get(ch, 0.0) + 1.0) / (self.total + 20000.0)

    def p(self, prev: str, ch: str) -> float:
        if not _wordlike(prev):
            return self.p_uni(ch)  # after punctuation a new word starts
        occ = self.unigram.get(prev, 0.0) + 1.0
        end = self.ends.get(prev, 0.0) + 1.0
        if not _wordlike(ch):
            # Punctuation follows the end of a word (the dictionary has no punctuation).
            return _PUNCT_AFTER_WORD * end / occ
        return (self.bigram.get(prev + ch, 0.0) + end * self.p_uni(ch)) / occ


@lru_cache(maxsize=1)
def generic_lm() -> GenericLM:
    """The generic model, whose tables are built once from jieba's dictionary and then
    memory-mapped (see :mod:`audiobook.text.wordstore`)."""
    store = wordstore.store()
    return GenericLM(store.unigram, store.bigram, store.ends, store.lm_total)
