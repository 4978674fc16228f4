"""What a character is to the text models: Han or not, a measure word after a number, and
the symbol the character-bigram model sees. Shared by :mod:`audiobook.text.analysis` and the
store the model's tables are built into (:mod:`audiobook.text.wordstore`)."""

from __future__ import annotations

#: Measure words and units that follow an Arabic number: "415|個" rejoined is a number phrase.
CLASSIFIERS = frozenset(
    "个名位家所座条项件只头台辆架艘张本份篇部次回场届期批种类块根支把间户人元角分万亿千百"
    "年月日号时点岁周天小秒米里斤克吨亩倍成度%多余"
)

#: The measure words that almost always follow a bare number in news text.
COMMON_CLASSIFIERS = frozenset("个名位家所座条项件只台辆张次种块户人元万亿年月日号岁%")


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def lm_class(ch: str) -> str:
    """The symbol a character-bigram model sees: every digit is one symbol, every Latin letter
    another, so ``86|个`` is evidence for ``415|个`` and ``PPT`` for ``APP``."""
    if ch.isdigit():
        return "0"
    if "a" <= ch <= "z":
        return "a"
    return ch
