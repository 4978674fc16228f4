"""Chinese number words for a count: ``10086`` → 一万零八十六, ``3.14`` → 三点一四.

Written here rather than taken from cn2an, which the project used before: its import compiles
the patterns of every conversion it offers (a tenth of a second, spent before the first word
of an article can be spoken), and it drops the 零 after 亿 before a bare thousands group
(``100001000`` is 一亿零一千, not 一亿一千). The tests check every other reading against
cn2an's.

The rules: digits are read in groups of four (个, 万); a count of 亿 is itself read as a
number (三万六千九百二十七亿, as Chinese writes trillions); a run of zeros inside is read
once, as 零, and never at the end of a group; a leading 一十 is just 十.
"""

from __future__ import annotations

from collections.abc import Callable

_WORDS = "零一二三四五六七八九"
_PLACES = ("千", "百", "十", "")
#: Longest integer read as a count (up to 9999万亿); longer ones are read digit by digit.
MAX_DIGITS = 16


def _four(digits: str) -> str:
    """Up to four digits without leading zeros (place values 千 百 十 个)."""
    out: list[str] = []
    zero = False
    for place, d in zip(_PLACES[len(_PLACES) - len(digits) :], digits, strict=True):
        if d == "0":
            zero = True
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_WORDS[int(d)] + place)
    return "".join(out)


def _grouped(digits: str, width: int, unit: str, read: Callable[[str], str]) -> str:
    """``digits`` (no leading zeros) as the count of ``unit`` and the last ``width`` digits,
    each read by ``read``, with 零 between them where the last group starts with zeros."""
    high, low = digits[:-width], digits[-width:]
    out = read(high) + unit if high else ""
    words = read(low.lstrip("0"))
    if words:
        out += ("零" if out and low[0] == "0" else "") + words
    return out


def _eight(digits: str) -> str:
    return _grouped(digits, 4, "万", _four)


def cardinal(number: str) -> str:
    """``number``: decimal digits, optionally with a ``.`` and a fraction (any script's
    digits). Raises :class:`ValueError` for anything else or more than ``MAX_DIGITS``."""
    whole, point, fraction = number.partition(".")
    if not whole.isdecimal() or (point and not fraction.isdecimal()):
        raise ValueError(f"not a plain number: {number!r}")
    whole = "".join(str(int(d)) for d in whole).lstrip("0")
    if len(whole) > MAX_DIGITS:
        raise ValueError(f"too long to read as a count: {number!r}")
    out = _grouped(whole, 8, "亿", _eight) or "零"
    if out.startswith("一十"):
        out = out[1:]
    if point:
        out += "点" + "".join(_WORDS[int(d)] for d in fraction)
    return out
