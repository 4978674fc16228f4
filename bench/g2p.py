"""How does the offline voice read polyphones? espeak-ng's word-level G2P vs pypinyin.

    python bench/g2p.py            # the 20 words below, tones only
    python bench/g2p.py --news     # bench/data/polyphones.tsv: words in news sentences

For each test word: the expected tones, the tones espeak-ng's cmn voice will speak (read
from its phoneme mnemonics: 55/35/214/51 = tones 1-4; 11 or no digit = neutral), and
pypinyin's phrase-aware reading. The totals decide whether a pinyin front end would help.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pypinyin import Style, lazy_pinyin

from audiobook.engines.libespeak import phonemes

_TONE = {"55": "1", "35": "2", "214": "3", "51": "4", "11": "5"}

# word, expected tones (5 = neutral)
CASES = [
    ("行长", "23"), ("银行", "22"), ("行走", "23"), ("重庆", "24"), ("重要", "44"),
    ("朝阳区", "221"), ("朝气", "14"), ("借调", "44"), ("调整", "23"), ("长大", "34"),
    ("长度", "24"), ("音乐", "14"), ("快乐", "44"), ("銀行卡", "223"), ("还是", "24"),
    ("还钱", "22"), ("觉得", "25"), ("睡觉", "44"), ("都市", "14"), ("首都", "31"),
]  # fmt: skip


def espeak_tones(word: str) -> str:
    return "".join(_TONE[t] for t in re.findall(r"214|55|35|51|11", phonemes(word)))


def pinyin_tones(word: str) -> str:
    syllables = lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True)
    return "".join(s[-1] if s[-1].isdigit() else "5" for s in syllables)


def news(path: Path, show: bool) -> None:
    """Each case is a sentence, a word in it and the word's reading (《现代汉语词典》). A reading is
    right when all its syllables (initial, final and tone) are. espeak-ng "own": its phonemes
    for the whole sentence contain the word's expected phonemes (from its own pinyin voice).
    pypinyin: its syllables at the word. "told": what the offline voice is told after
    :func:`audiobook.text.polyphones.respell`: the told reading where a word is respelled,
    espeak-ng's own elsewhere."""
    from audiobook.text.polyphones import choices, pinyin_phonemes, squash_phonemes, tone_syllables

    right = {"espeak-ng own": 0, "pypinyin": 0, "told (after)": 0}
    n = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        sentence, word, expected_text = line.split("\t")
        expected = tuple(expected_text.split())
        start = sentence.index(word)
        end = start + len(word)
        n += 1
        own = squash_phonemes(pinyin_phonemes(expected)) in squash_phonemes(phonemes(sentence))
        syllables = []
        for run in re.finditer(r"[\u3400-\u9fff]+", sentence):
            syllables += [""] * (run.start() - len(syllables)) + tone_syllables(run.group(0))
        py = tuple(syllables[start:end]) == expected
        flagged = [c for c in choices(sentence) if c.espeak and c.start < end and c.end > start]
        if flagged:
            told = list(syllables[start:end])
            for c in flagged:
                for i in range(max(c.start, start), min(c.end, end)):
                    told[i - start] = c.pinyin[i - c.start]
            after = tuple(told) == expected
        else:
            after = own
        for name, ok in (("espeak-ng own", own), ("pypinyin", py), ("told (after)", after)):
            right[name] += ok
        if show and not (own and py and after):
            print(f"{word}\t{expected_text}\town {own} pypinyin {py} told {after}\t{sentence}")
    print(f"{n} polyphone words in news sentences, right:")
    for name, k in right.items():
        print(f"  {name:14} {k:4}/{n}  {100 * k / n:5.1f}%")


def lexicon_words() -> None:
    """How many of the lexicon's recorded readings espeak-ng gets right on its own (before);
    after, each it misreads is told as phonemes from its own pinyin voice."""
    from audiobook.text.lexicon import load_lexicon
    from audiobook.text.polyphones import espeak_reads_as

    words = load_lexicon().pinyin()
    own = sum(espeak_reads_as(w, tuple(p)) for w, p in words.items())
    print(
        f"lexicon words read as recorded: espeak-ng own {own}/{len(words)}, "
        f"told {len(words)}/{len(words)} (the misread {len(words) - own} given as phonemes)"
    )


def main() -> None:
    if "--lexicon" in sys.argv:
        lexicon_words()
        return
    if "--news" in sys.argv:
        news(Path(__file__).with_name("data") / "polyphones.tsv", "--show" in sys.argv)
        return
    right = {"espeak": 0, "pypinyin": 0}
    for word, expected in CASES:
        got = {"espeak": espeak_tones(word), "pypinyin": pinyin_tones(word)}
        marks = []
        for name, tones in got.items():
            ok = tones == expected
            right[name] += ok
            marks.append(f"{name} {tones:<4}{'' if ok else ' WRONG'}")
        print(f"{word}\texpected {expected:<4}  " + "  ".join(marks))
    n = len(CASES)
    print(f"right: espeak-ng cmn {right['espeak']}/{n}, pypinyin {right['pypinyin']}/{n}")


if __name__ == "__main__":
    main()
