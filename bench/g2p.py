"""How does the offline voice read polyphones? espeak-ng's word-level G2P vs pypinyin.

    python bench/g2p.py

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

from audiobook.engines.espeak import phonemes

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


def main() -> None:
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
