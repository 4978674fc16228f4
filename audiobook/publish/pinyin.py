"""Toneless pinyin for titles, from pypinyin's dictionaries kept as memory-mapped tries.

Every build names its episode file after the title in pinyin. pypinyin answers that from two
dictionaries it loads whole at import: a quarter of a second of JSON decoding (in one call
that holds the GIL) and about 55 MB, for a title of a dozen characters. A build spends that
while its encoder runs, so the decoding held up the thread that feeds the encoder and took a
core from it. Here the same dictionaries, already in toneless form, sit in MARISA tries
(``marisa-trie``, as :mod:`audiobook.text.wordstore` keeps jieba's), built once from
pypinyin's own files and then memory-mapped: opening them takes a millisecond.

:func:`lazy_pinyin` gives what ``pypinyin.lazy_pinyin(text, errors=lambda c: [c])`` gives
(tests compare the two): the text split into runs of Chinese characters and of anything else,
each Chinese run cut into pypinyin's phrases by its forward maximum matching, a phrase read
as its dictionary entry says, any other character by its first reading, and characters
without a reading kept as they are.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import marisa_trie

from audiobook.paths import derived_folder, open_or_build

#: Bump when what :func:`_build` writes changes.
VERSION = "1"


@dataclass(frozen=True)
class _Store:
    #: Phrase -> its syllables, space-separated (pypinyin's PHRASES_DICT, toneless).
    phrases: marisa_trie.BytesTrie
    #: Character -> its first reading (pypinyin's PINYIN_DICT, toneless).
    chars: marisa_trie.BytesTrie
    #: pypinyin's "has a reading" character class (RE_HANS), which splits the runs.
    hans: re.Pattern[str]


def lazy_pinyin(text: str) -> list[str]:
    """``中国人 2026`` → ``['zhong', 'guo', 'ren', ' 2026']``: a syllable per Chinese
    character, other runs as they are."""
    if not text:
        return [""]  # as pypinyin answers
    store = _store()
    out: list[str] = []
    # Runs of characters that have a reading, and of characters that do not.
    for readable, chars in itertools.groupby(text, key=lambda c: store.hans.match(c) is not None):
        run = "".join(chars)
        if not readable:
            out.append(run)
            continue
        for word in _cut(run, store.phrases):
            if len(word) > 1 or word in store.phrases:
                out.extend(store.phrases[word][0].decode().split(" "))
            else:
                out.append(_char(word, store.chars))
    return out


def _cut(run: str, phrases: marisa_trie.BytesTrie) -> Iterator[str]:
    """pypinyin's forward maximum matching: at each point the longest phrase that starts
    there; where none does, one character. (Where the rest of the run is the start of some
    longer phrase but holds no phrase itself, pypinyin gives the rest character by
    character; so does this.)"""
    i = 0
    while i < len(run):
        rest = run[i:]
        found = phrases.prefixes(rest)
        if found:
            word = max(found, key=len)
            yield word
            i += len(word)
        elif next(phrases.iterkeys(rest), None) is not None:
            yield from rest
            return
        else:
            yield run[i]
            i += 1


def _char(char: str, chars: marisa_trie.BytesTrie) -> str:
    found = chars.get(char)
    return found[0].decode() if found else char


# --- the store ------------------------------------------------------------------------------


def _data_files() -> tuple[Path, Path] | None:
    """pypinyin's dictionary files, found without importing pypinyin (which loads them)."""
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent
    return folder / "phrases_dict.json", folder / "pinyin_dict.json"


@lru_cache(maxsize=1)
def _store() -> _Store:
    """Opened from the cache, or built (a second or two, once) and cached."""
    return open_or_build(cache_folder(), _open, _build, _save)


def _open(folder: Path) -> _Store:
    phrases, chars = marisa_trie.BytesTrie(), marisa_trie.BytesTrie()
    phrases.mmap(str(folder / "phrases.marisa"))
    chars.mmap(str(folder / "chars.marisa"))
    hans = json.loads((folder / "meta.json").read_text("utf-8"))["hans"]
    return _Store(phrases, chars, re.compile(hans))


def _save(store: _Store, work: Path) -> None:
    store.phrases.save(str(work / "phrases.marisa"))
    store.chars.save(str(work / "chars.marisa"))
    (work / "meta.json").write_text(json.dumps({"hans": store.hans.pattern}), "utf-8")


def _build() -> _Store:
    """pypinyin's tables, each reading made toneless by pypinyin's own style converter."""
    import pypinyin
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT, RE_HANS
    from pypinyin.style import convert

    toneless: dict[str, str] = {}

    def plain(reading: str) -> str:
        if reading not in toneless:
            toneless[reading] = convert(reading, pypinyin.Style.NORMAL, True)
        return toneless[reading]

    phrases = marisa_trie.BytesTrie(
        (phrase, " ".join(plain(readings[0]) for readings in entry).encode())
        for phrase, entry in PHRASES_DICT.items()
    )
    chars = marisa_trie.BytesTrie(
        (chr(code), plain(readings.split(",")[0]).encode())
        for code, readings in PINYIN_DICT.items()
    )
    # pypinyin anchors the class to a whole string (^(?:[...])+$); we test one character.
    hans = RE_HANS.pattern.removeprefix("^(?:").removesuffix(")+$")
    return _Store(phrases, chars, re.compile(hans))


def cache_folder() -> Path | None:
    """Where the store lives (for tests that share one between builds)."""
    files = _data_files()
    return derived_folder("pinyin", VERSION, files) if files else None

