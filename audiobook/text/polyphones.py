"""Polyphones for the offline voice: which reading of 行, 长, 重, 调… a word needs.

espeak-ng's Mandarin voice reads characters through its own word list and falls back to a
character's first reading; pypinyin chooses from a phrase dictionary of a much larger
vocabulary. ``bench/g2p.py`` measures both on news sentences; pypinyin is right more often,
so where the two disagree on a word, the offline voice is told pypinyin's reading as
espeak-ng phonemes (``[[…]]``, the engine's phoneme input), taken from espeak-ng's own
pinyin voice (``cmn-latn-pinyin``) so they are its own sounds. The edge voice reads
characters in context itself and is not told anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

#: Characters whose readings differ in everyday news words (in 《现代汉语词典》 each has two or
#: more readings in common use). pypinyin lists rarer readings for far more characters; a
#: review sheet listing every one of those would bury the real decisions.
POLYPHONES = frozenset(
    "行长重朝调乐还都传强藏差当得地干好和会间将角教觉看空了率落难曲数说为系相兴要应与"
    "载扎占着只种转处背便薄参称冲创答弹倒度发分更供冠号横划假降解尽禁卷卡壳量露模宁片漂"
    "屏铺切亲曾散丧省盛识似属宿提吐鲜血校结圈少舍术缩削旋压咽尾恶否给观汗喝荷济"
    "夹监劲据累凉论埋没闷秘磨泊仆翘色扇帖佣粘正中作朴单仇解"
)

_HAN = re.compile(r"[\u3400-\u9fff]+")


@dataclass(frozen=True)
class Choice:
    """A word of the text holding a polyphone, and the reading chosen for it."""

    start: int
    end: int
    word: str
    pinyin: tuple[str, ...]  # tone-numbered, one syllable per character (5 = neutral)
    espeak: bool  # True when espeak-ng's own reading differs, so it is told this one
    source: str = "pypinyin"  # or "lexicon": the reading recorded in voices/lexicon.toml


def tone_syllables(run: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    out = lazy_pinyin(run, style=Style.TONE3, neutral_tone_with_five=True)
    return out if len(out) == len(run) else [""] * len(run)


def squash_phonemes(mnemonics: str) -> str:
    """espeak-ng mnemonics without stress marks and word ends, to compare two readings."""
    return re.sub(r"[',_|\s]", "", mnemonics)


@lru_cache(maxsize=4096)
def pinyin_phonemes(pinyin: tuple[str, ...]) -> str:
    """espeak-ng's phonemes for tone-numbered ``pinyin`` (its ``cmn-latn-pinyin`` voice)."""
    from audiobook.engines.libespeak import phonemes

    # Neutral tone is written without a digit in that voice.
    text = " ".join(p[:-1] if p.endswith("5") else p for p in pinyin)
    return re.sub(r"_\|", " ", phonemes(text, voice="cmn-latn-pinyin")).strip()


@lru_cache(maxsize=4096)
def espeak_reads_as(word: str, pinyin: tuple[str, ...]) -> bool:
    """Does espeak-ng already read ``word`` as ``pinyin``?"""
    from audiobook.engines.libespeak import phonemes

    return squash_phonemes(phonemes(word)) == squash_phonemes(pinyin_phonemes(pinyin))


@lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[str, tuple[str, ...]], re.Pattern[str] | None]:
    """The shipped lexicon's recorded readings (place names, organisations, set words) and a
    pattern finding them, longest first: a recorded reading wins over any guess."""
    from audiobook.text.lexicon import load_lexicon

    readings = {w: tuple(p) for w, p in load_lexicon().pinyin().items()}
    ordered = sorted(readings, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(w) for w in ordered)) if ordered else None
    return readings, pattern


def readings_digest() -> str:
    """A short digest of the lexicon readings the offline voice is told (for cache keys)."""
    import hashlib

    recorded, _ = _lexicon()
    text = "\n".join(f"{w} {' '.join(p)}" for w, p in sorted(recorded.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def choices(text: str, *, check_espeak: bool = True) -> list[Choice]:
    """Every word of ``text`` with a reading to decide: a word of the lexicon (its recorded
    pinyin), else a jieba word holding a polyphone (pypinyin's reading in context).
    ``espeak`` says whether the offline voice must be told it.

    Words are cut by the word store's tokenizer (jieba's segmentation over a memory-mapped
    dictionary): jieba's own would load its dictionary in every process that speaks, some
    four seconds each, and log that on stderr."""
    from audiobook.text.wordstore import tokenizer

    recorded, pattern = _lexicon()
    out: list[Choice] = []

    def add(start: int, word: str, reading: tuple[str, ...], source: str) -> None:
        told = check_espeak and not espeak_reads_as(word, reading)
        out.append(Choice(start, start + len(word), word, reading, told, source))

    for run in _HAN.finditer(text):
        chunk = run.group(0)
        found = list(pattern.finditer(chunk)) if pattern is not None else []
        if not found and not POLYPHONES.intersection(chunk):
            continue
        syllables = tone_syllables(chunk)
        gaps: list[tuple[int, int]] = []
        pos = 0
        for m in found:
            gaps.append((pos, m.start()))
            add(run.start() + m.start(), m.group(0), recorded[m.group(0)], "lexicon")
            pos = m.end()
        gaps.append((pos, len(chunk)))
        for a, b in gaps:
            if not POLYPHONES.intersection(chunk[a:b]):
                continue
            pos = a
            for word in tokenizer().cut(chunk[a:b], HMM=False):
                start, pos = pos, pos + len(word)
                if POLYPHONES.intersection(word) and all(syllables[start:pos]):
                    add(run.start() + start, word, tuple(syllables[start:pos]), "pypinyin")
    return sorted(out, key=lambda c: c.start)


def respell(text: str) -> tuple[str, list[int]]:
    """``text`` with each polyphone word espeak-ng would misread replaced by ``[[phonemes]]``,
    and for each position of the new text (and one past its end) the position of the
    original it came from, so word timings still point into the original text."""
    pieces: list[str] = []
    origin: list[int] = []
    pos = 0
    for c in choices(text):
        if not c.espeak:
            continue
        pieces.append(text[pos : c.start])
        origin.extend(range(pos, c.start))
        said = f"[[{pinyin_phonemes(c.pinyin)}]]"
        pieces.append(said)
        origin.extend([c.start] * len(said))
        pos = c.end
    pieces.append(text[pos:])
    origin.extend(range(pos, len(text) + 1))
    return "".join(pieces), origin
