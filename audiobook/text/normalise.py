"""Text normalisation for speech: write numbers, dates, units and symbols out as words.

Engines such as espeak-ng read ``2023年`` digit by digit or as "two thousand and twenty-three"
in the wrong register, and skip or spell symbols; a listener expects 二〇二三年, 百分之三十,
九点半. Number words come from :mod:`audiobook.text.numerals`; this module decides *which
reading* a number needs (year: digit by digit; phone: digit by digit with 幺; count: cardinal).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from audiobook.text.numerals import cardinal

_DIGITS = "〇一二三四五六七八九"
_PHONE_DIGITS = "零幺二三四五六七八九"

_UNITS = {
    "km/h": "公里每小时",
    "km²": "平方公里",
    "m²": "平方米",
    "m³": "立方米",
    "km": "公里",
    "kg": "千克",
    "cm": "厘米",
    "mm": "毫米",
    "ml": "毫升",
    "mL": "毫升",
    "kW": "千瓦",
    "kWh": "千瓦时",
    "MW": "兆瓦",
    "GW": "吉瓦",
    "GB": "G B",
    "TB": "T B",
    "℃": "摄氏度",
    "°C": "摄氏度",
    "g": "克",
    "m": "米",
    "t": "吨",
    "h": "小时",
    "s": "秒",
}
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))

_NUM = r"\d+(?:\.\d+)?"


def _cardinal(s: str) -> str:
    try:
        out = cardinal(s.replace(",", ""))
    except ValueError:  # longer than a count is read (a serial number): digit by digit
        return _digits(s)
    # 二千 reads as 两千 in speech (and 二万, 二亿), but 十二 and 二十 stay.
    return re.sub(r"(?<![一二三四五六七八九十])二(?=[千万亿])", "两", out)


def _digits(s: str, table: str = _DIGITS) -> str:
    return "".join(table[int(c)] if c.isdigit() else ("点" if c == "." else c) for c in s)


def _year(m: re.Match[str]) -> str:
    return _digits(m.group(1)) + "年"


def _year_range(m: re.Match[str]) -> str:
    return _digits(m.group(1)) + "至" + _digits(m.group(2)) + "年"


def _date(m: re.Match[str]) -> str:
    month, day, suffix = m.group(1), m.group(2), m.group(3)
    return _cardinal(month) + "月" + _cardinal(day) + suffix


def _time(m: re.Match[str]) -> str:
    hour, minute = int(m.group(1)), int(m.group(2))
    if minute == 0:
        return _cardinal(str(hour)) + "点"
    if minute == 30:
        return _cardinal(str(hour)) + "点半"
    return (
        _cardinal(str(hour)) + "点" + ("零" if minute < 10 else "") + _cardinal(str(minute)) + "分"
    )


def _percent(m: re.Match[str]) -> str:
    return "百分之" + _cardinal(m.group(1))


def _percent_range(m: re.Match[str]) -> str:
    return "百分之" + _cardinal(m.group(1)) + "至百分之" + _cardinal(m.group(2))


def _range(m: re.Match[str]) -> str:
    return _cardinal(m.group(1)) + "至" + _cardinal(m.group(2))


def _phone(m: re.Match[str]) -> str:
    return "，".join(_digits(part, _PHONE_DIGITS) for part in re.split(r"[-\s]", m.group(0)))


def _unit(m: re.Match[str]) -> str:
    return _cardinal(m.group(1)) + _UNITS[m.group(2)]


def _acronym(m: re.Match[str]) -> str:
    # Spaced capitals are spelled letter by letter by every engine; "PPT" may be read as a word.
    return " ".join(m.group(0))


_PUNCT = str.maketrans(
    {
        ",": "，",
        ";": "；",
        ":": "：",
        "?": "？",
        "!": "！",
        "(": "（",
        ")": "）",
    }
)

_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)"), _phone),
    (re.compile(r"(?<!\d)0\d{2,3}-\d{7,8}(?!\d)"), _phone),
    (re.compile(r"(?<!\d)(\d{4})\s*[-–~～至到]\s*(\d{4})年"), _year_range),
    (re.compile(r"(?<![\d.])(\d{4})年"), _year),
    (re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})([日号])"), _date),
    (re.compile(r"(?<![\d.])(\d{1,2})[:：](\d{2})(?![\d:])"), _time),
    # A number is only tried from its first digit, ``(?<!\d)``: started inside a run of
    # digits, a match ends where the one from the run's start does, so it cannot succeed
    # where that failed, and trying every digit of a long run made a line of digits
    # quadratic (a 300-character segment of digits: 90,000 steps per pattern).
    (re.compile(r"(?<!\d)(" + _NUM + r")\s*%\s*[-–~～至到]\s*(" + _NUM + r")\s*%"), _percent_range),
    (re.compile(r"(?<!\d)(" + _NUM + r")\s*[-–~～至到]\s*(" + _NUM + r")\s*%"), _percent_range),
    (re.compile(r"(?<!\d)(" + _NUM + r")\s*[%％]"), _percent),
    (re.compile(r"(?<![\d.])(" + _NUM + r")\s*[-–~～]\s*(" + _NUM + r")(?![\d.])"), _range),
    (re.compile(r"(?<!\d)(" + _NUM + r")\s*(" + _UNIT_RE + r")(?![A-Za-z])"), _unit),
    (re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|" + _NUM), lambda m: _cardinal(m.group(0))),
    (re.compile(r"(?<![A-Za-z])[A-Z]{2,5}(?![A-Za-z])"), _acronym),
)


def normalise(text: str) -> str:
    """Rewrite ``text`` as it should be spoken (Simplified Chinese in, Simplified out)."""
    text = text.replace("——", "，").replace("—", "，").replace("……", "。").replace("…", "。")
    text = re.sub(r"[“”\"「」『』‘’]", "", text)
    text = text.replace("+", "加")
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)
    text = text.translate(_PUNCT)
    text = re.sub(r"[，、]{2,}", "，", text)
    text = re.sub(r"^[，。；：\s]+", "", text)
    return text
