"""Pinyin glosses: a reading in brackets after the characters it reads (``風(fēng)``)."""

from __future__ import annotations

import re
import unicodedata

from audiobook.text.clean.context import Context, Span

_TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
#: Han characters, then a parenthesised run of Latin letters (toned or with tone digits).
_PINYIN_GLOSS = re.compile(
    r"(?P<han>[\u3400-\u4dbf\u4e00-\u9fff]{1,6})(?P<gloss>\s?[（(]\s*"
    r"(?P<py>[a-zA-Z" + _TONE_VOWELS + r"][a-zA-Z" + _TONE_VOWELS + r"1-5'’·\- ]{0,40})"
    r"\s*[）)])"
)


#: An article about pronunciation (it talks of readings, or writes toned pinyin outside any
#: gloss: "有两个读音：xíng 和 háng") needs its glosses; the pinyin rule leaves it alone.
_ABOUT_READINGS = re.compile(
    "读音|讀音|拼音|读作|讀作|念作|唸作|注音|发音|發音|[" + _TONE_VOWELS.replace("ü", "") + "]"
)


def _toneless(syllables: str) -> str:
    """``fēng``/``feng1``/``lǜ``/``lv`` -> ``feng``/``lu``: the form both sides compare in."""
    decomposed = unicodedata.normalize("NFD", syllables.lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z]", "", bare).replace("v", "u")


def _reads_as(han: str, gloss: str) -> bool:
    """Is ``gloss`` one reading per character of ``han``, in order (pypinyin's readings)?"""
    from pypinyin import Style, pinyin

    readings = [
        {_toneless(r) for r in options}
        for options in pinyin(han, style=Style.NORMAL, heteronym=True, errors=lambda c: [[""]])
    ]
    target = _toneless(gloss)
    spaced = [w for w in re.split(r"[\s'’·\-]+", gloss.strip()) if w]

    def match(i: int, pos: int) -> bool:
        if i == len(readings):
            return pos == len(target)
        return any(
            r and target.startswith(r, pos) and match(i + 1, pos + len(r)) for r in readings[i]
        )

    return (len(spaced) in (1, len(readings))) and match(0, 0)


def pinyin_glosses(text: str, ctx: Context) -> list[Span]:
    """``風(fēng)``, ``饕餮（tāo tiè）``: a romanisation gloss after the characters it reads.

    Evidence is the reading itself: the gloss must spell, syllable by syllable, a reading
    pypinyin gives for each of the characters just before it, so ``苹果(Apple)`` or
    ``他(DNA)`` never match. A toneless capitalised gloss (``李娜(Li Na)``) is a name's own
    romanisation, which a reader may want to hear, so it stays, and so do the glosses of an
    article about pronunciation. Only the gloss goes; the characters stay.
    """
    spans: list[Span] = []
    if _ABOUT_READINGS.search(_PINYIN_GLOSS.sub("", text)):
        return spans
    for m in _PINYIN_GLOSS.finditer(text):
        han, gloss = m.group("han"), m.group("py")
        toned = any(c in _TONE_VOWELS or c in "12345" for c in gloss)
        if not toned and gloss != gloss.lower():
            continue
        for k in range(1, len(han) + 1):
            if _reads_as(han[-k:], gloss):
                spans.append(m.span("gloss"))
                break
    return spans
