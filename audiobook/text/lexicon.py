"""Pronunciation: a user lexicon for every engine, and word-level G2P for the offline voice.

Two levers, because the engines differ. The edge service reads characters and rejects custom
SSML, so the only way to fix a place name there is to substitute characters it reads right
(扎赉诺尔 -> 扎赖诺尔): :meth:`Lexicon.apply`. espeak-ng's Mandarin voice reads characters one by
one and gets polyphones wrong (行长, 重庆); for it :func:`to_espeak` turns text into tone-numbered
pinyin chosen by pypinyin's phrase data (and the lexicon), which espeak's ``cmn`` voice speaks.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Lexicon:
    entries: tuple[Entry, ...] = ()

    def _pattern(self, entries: tuple[Entry, ...]) -> re.Pattern[str] | None:
        words = sorted({e.word for e in entries}, key=len, reverse=True)
        return re.compile("|".join(re.escape(w) for w in words)) if words else None

    def apply(self, text: str) -> str:
        """Substitute each word that has a ``say`` spelling (longest words first)."""
        subs = {e.word: e.say for e in self.entries if e.say}
        pattern = self._pattern(tuple(e for e in self.entries if e.say))
        if pattern is None:
            return text
        return pattern.sub(lambda m: subs[m.group(0)], text)

    def pinyin(self) -> dict[str, list[str]]:
        """word -> tone-numbered syllables, for pypinyin's phrase table."""
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
        entries.append(Entry(simplified, pinyin, convert(say) if say else None))
    return Lexicon(tuple(entries))
