"""jieba's dictionary, and the generic character model built from it, as memory-mapped tries.

Cleaning needs jieba's word frequencies (to segment, and to ask "is this a word?") and a
character-bigram model of generic Chinese derived from them. As Python dicts they cost most of
a short article's build: jieba unmarshals 500,000 entries (0.65 s) and the model's 300,000
bigrams unpickle in another 0.15 s, before a single sentence is spoken; and a book's front end
had to run in a child process only to give that memory back.

Here both live in MARISA tries (``marisa-trie``) beside flat arrays of their values, built once
from jieba's own dictionary file and then memory-mapped: opening them takes a millisecond, a
lookup about half a microsecond, and the pages are the operating system's to share and evict.
:class:`Tokenizer` is jieba's tokenizer reading the trie; it segments exactly as jieba does
(tests compare them), and jieba's own dictionary is never loaded.

The files sit in the audiobook cache, keyed by the dictionary file's identity and
:data:`VERSION`, written to a temporary folder and renamed into place, so concurrent builds
never see half a store, and deleting it is always safe. Where the cache cannot be written the
store is built in memory for the process.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import marshal
import sys
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import marisa_trie

from audiobook.paths import derived_folder, open_or_build


@contextlib.contextmanager
def _without_pkg_resources() -> Iterator[None]:
    """jieba finds its data files through ``pkg_resources`` when that imports (a tenth of a
    second, and deprecated) and by path otherwise: make it take the path."""
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if blocked:
            sys.modules.pop("pkg_resources", None)


with _without_pkg_resources():
    import jieba

jieba.setLogLevel(logging.WARNING)

#: Bump when what :func:`_build` writes changes.
VERSION = "1"


class Table(Mapping[str, float]):
    """A read-only ``str -> number`` mapping: a MARISA trie of the keys, an array of values."""

    __slots__ = ("_trie", "_values")

    def __init__(self, trie: marisa_trie.Trie, values: array) -> None:
        self._trie = trie
        self._values = values

    @classmethod
    def build(cls, items: Mapping[str, float], typecode: str) -> Table:
        trie = marisa_trie.Trie(items.keys())
        values = array(typecode, bytes(array(typecode).itemsize * len(trie)))
        for key, value in items.items():
            values[trie.key_id(key)] = value
        return cls(trie, values)

    def get(self, key: str, default: float | None = None) -> float | None:  # type: ignore[override]
        ident = self._trie.get(key)
        return default if ident is None else self._values[ident]

    def __getitem__(self, key: str) -> float:
        ident = self._trie.get(key)
        if ident is None:
            raise KeyError(key)
        return self._values[ident]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._trie

    def __iter__(self) -> Iterator[str]:
        return iter(self._trie.keys())

    def __len__(self) -> int:
        return len(self._trie)

    def keys_with_prefix(self, prefix: str) -> list[str]:
        """The keys that start with ``prefix``."""
        return self._trie.keys(prefix)

    def prefixes(self, text: str) -> list[str]:
        """The keys that ``text`` starts with, shortest first."""
        return self._trie.prefixes(text)

    def save(self, folder: Path, name: str) -> None:
        self._trie.save(str(folder / f"{name}.marisa"))
        (folder / f"{name}.values").write_bytes(self._values.tobytes())

    @classmethod
    def open(cls, folder: Path, name: str, typecode: str) -> Table:
        trie = marisa_trie.Trie()
        trie.mmap(str(folder / f"{name}.marisa"))
        values = array(typecode)
        values.frombytes((folder / f"{name}.values").read_bytes())
        if len(values) != len(trie):
            raise ValueError(f"{name}: {len(values)} values for {len(trie)} keys")
        return cls(trie, values)


@dataclass(frozen=True)
class Store:
    """Everything cleaning reads from jieba's dictionary."""

    #: Word -> frequency, for the words jieba counts (frequency > 0).
    words: Table
    #: jieba's total frequency (the denominator of its word probabilities).
    total: int
    #: The longest word, in characters (bounds the prefix search).
    longest: int
    #: The generic model's tables (see :class:`audiobook.text.analysis.GenericLM`).
    unigram: dict[str, float]
    bigram: Table
    ends: dict[str, float]
    lm_total: float


class Tokenizer(jieba.Tokenizer):
    """jieba's tokenizer, with its word graph built from the trie instead of a dict.

    jieba walks every prefix of the text at each position through a dict of all words and all
    their prefixes; one trie call returns the words found there. The rest (the best path, the
    HMM for unknown words) is jieba's own code, so the segmentation is jieba's.
    """

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.FREQ = store.words
        self.total = store.total
        self.initialized = True

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:  # jieba's name
        prefixes = self.store.words.prefixes
        longest = self.store.longest
        dag: dict[int, list[int]] = {}
        for k in range(len(sentence)):
            ends = [k + len(w) - 1 for w in prefixes(sentence[k : k + longest])]
            dag[k] = ends or [k]
        return dag


def _dict_path() -> Path:
    """jieba's dictionary file (its default, or one set with ``jieba.set_dictionary``)."""
    chosen = jieba.dt.dictionary
    return Path(chosen) if chosen else Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME


def cache_folder() -> Path | None:
    try:
        source = _dict_path()
    except AttributeError:
        return None
    return derived_folder("jieba", f"{VERSION}|{jieba.__version__}", [source])


@lru_cache(maxsize=1)
def store() -> Store:
    """The store, opened from the cache, or built (about two seconds, once) and cached."""
    return open_or_build(cache_folder(), _open, _build, _save)


@lru_cache(maxsize=1)
def tokenizer() -> Tokenizer:
    return Tokenizer(store())


def release() -> None:
    """Forget the open store (its pages are file-backed; the next use opens it again)."""
    tokenizer.cache_clear()
    store.cache_clear()


def _open(folder: Path) -> Store:
    words = Table.open(folder, "words", "q")
    bigram = Table.open(folder, "bigram", "d")
    total, longest, unigram, ends, lm_total = marshal.loads((folder / "tables").read_bytes())
    return Store(words, total, longest, unigram, bigram, ends, lm_total)


def _save(built: Store, work: Path) -> None:
    built.words.save(work, "words")
    built.bigram.save(work, "bigram")
    tables = (built.total, built.longest, built.unigram, built.ends, built.lm_total)
    (work / "tables").write_bytes(marshal.dumps(tables))


def _build() -> Store:
    freq, total = jieba.Tokenizer.gen_pfdict(_dict_path().open("rb"))
    words = {w: f for w, f in freq.items() if f > 0}
    unigram, bigram, ends, lm_total = _generic_tables(words)
    return Store(
        words=Table.build(words, "q"),
        total=total,
        longest=max(map(len, words)),
        unigram=unigram,
        bigram=Table.build(bigram, "d"),
        ends=ends,
        lm_total=lm_total,
    )


def _generic_tables(
    words: Mapping[str, int],
) -> tuple[dict[str, float], dict[str, float], dict[str, float], float]:
    """Unigram, bigram and word-end weights of a character model of running text."""
    from audiobook.text.chars import CLASSIFIERS, lm_class

    uni: dict[str, float] = {}
    bi: dict[str, float] = {}
    ends: dict[str, float] = {}
    for word, freq in words.items():
        w = float(freq)
        for c in word:
            k = lm_class(c)
            uni[k] = uni.get(k, 0.0) + w
        for a, b in itertools.pairwise(word):
            k = lm_class(a) + lm_class(b)
            bi[k] = bi.get(k, 0.0) + w
        k = lm_class(word[-1])
        ends[k] = ends.get(k, 0.0) + w
    # A number is followed by more digits or a measure word, practically never by 也 or 说.
    total = float(sum(uni.values()))
    uni["0"] = uni.get("0", 0.0) + total * 0.005
    ends["0"] = ends.get("0", 0.0) + total * 0.001
    for c in CLASSIFIERS:
        bi["0" + c] = bi.get("0" + c, 0.0) + total * 0.002 / len(CLASSIFIERS)
    bi["00"] = bi.get("00", 0.0) + total * 0.002
    return uni, bi, ends, float(sum(uni.values()))
