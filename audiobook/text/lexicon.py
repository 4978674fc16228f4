"""Pronunciation: a user lexicon applied to every engine.

The edge service reads characters and rejects custom SSML, so for it the one lever is
substituting characters it reads right for a word it reads wrong (扎赉诺尔 -> 扎赖诺尔):
:meth:`Lexicon.apply`, run on every segment's spoken text whatever the engine. An entry's
``pinyin`` (tone-numbered syllables, checked against the word's length) is the intended
reading: the offline voice (espeak-ng) is told it as phonemes where its own reading differs
(:mod:`audiobook.text.polyphones`), and the reading sheet lists it. ``source`` records where
the reading comes from (《现代汉语词典》, an official name, the gazetteer).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

from audiobook.errors import ConfigError
from audiobook.text.convert import convert

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class Entry:
    word: str
    pinyin: str | None = None
    say: str | None = None
    source: str | None = None  # where the reading comes from (dictionary, official name)


def _pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """One alternation of ``words``, longest first (so 扎赉诺尔 wins over any shorter entry)."""
    ordered = sorted(set(words), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in ordered)) if ordered else None


@dataclass(frozen=True)
class Lexicon:
    entries: tuple[Entry, ...] = ()

    @cached_property
    def _substitution(self) -> tuple[dict[str, str], re.Pattern[str] | None]:
        """word -> ``say`` spelling and the pattern matching those words, built once."""
        subs = {e.word: e.say for e in self.entries if e.say}
        return subs, _pattern(subs)

    def apply(self, text: str) -> str:
        """Substitute each word that has a ``say`` spelling (longest words first)."""
        subs, pattern = self._substitution
        if pattern is None:
            return text
        return pattern.sub(lambda m: subs[m.group(0)], text)

    def substitutions(self, text: str) -> list[tuple[int, int, str, str, str | None]]:
        """Where :meth:`apply` substitutes in ``text``: (start, end, word, say, pinyin) each,
        so a reading sheet can list them without diffing strings."""
        subs, pattern = self._substitution
        if pattern is None:
            return []
        pinyin = {e.word: e.pinyin for e in self.entries}
        return [
            (m.start(), m.end(), m.group(0), subs[m.group(0)], pinyin.get(m.group(0)))
            for m in pattern.finditer(text)
        ]

    def pinyin(self) -> dict[str, list[str]]:
        """word -> tone-numbered syllables, as recorded (no engine is sent these)."""
        out: dict[str, list[str]] = {}
        for e in self.entries:
            if e.pinyin:
                out[e.word] = e.pinyin.split()
        return out


def default_path() -> Path:
    """The shipped lexicon: package data when installed, else the checkout's ``voices/``."""
    try:
        path = Path(str(resources.files("audiobook.voices").joinpath("lexicon.toml")))
        if path.is_file():
            return path
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parents[2] / "voices" / "lexicon.toml"


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Read a lexicon TOML (``[words."词"] pinyin = "..." say = "..."``); None = the shipped one."""
    if path is None:
        path = default_path()
        if not path.is_file():
            return Lexicon()
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    entries = []
    for word, spec in (data.get("words") or {}).items():
        if not isinstance(spec, dict):
            raise ConfigError(f"{path}: entry {word!r} must be a table with pinyin and/or say")
        simplified = convert(word)
        pinyin = spec.get("pinyin")
        say = spec.get("say")
        if pinyin is not None and len(pinyin.split()) != len(simplified):
            raise ConfigError(
                f"{path}: {word!r} has {len(simplified)} characters but pinyin {pinyin!r}"
            )
        entries.append(Entry(simplified, pinyin, convert(say) if say else None, spec.get("source")))
    return Lexicon(tuple(entries))
