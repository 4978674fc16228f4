"""Text normalisation for speech: write numbers, dates, units and symbols out as words.

Engines such as espeak-ng read ``2023年`` digit by digit or as "two thousand and twenty-three"
in the wrong register, and skip or spell symbols; a listener expects 二〇二三年, 百分之三十,
九点半. Number words come from :mod:`audiobook.text.numerals`; this module decides *which
reading* a number needs, from its shape and its context, as a newsreader would:

- codes, IDs, phone numbers, numbers with a leading zero and bare long numbers are read digit
  by digit (with 一, never 幺: 幺 is the radio operator's digit, not the newsreader's);
- counts, amounts and measures are read as numbers;
- ``17:16`` is a time, unless a score is being talked about or it cannot be a time;
- ``-5`` is 负五, and a temperature below zero 零下五摄氏度.

:func:`readings` returns every decision as a :class:`Reading` (source span → spoken words), so
a producer can review them (``audiobook readings``); :func:`normalise` is their concatenation.
The rules are tried in order, each on the text no earlier rule has read, so a date is never
read again as a range, nor a phone number as a count.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from audiobook.text.numerals import cardinal

_DIGITS = "〇一二三四五六七八九"
#: Digit-by-digit readings of codes use 零 (a code is not a year: 〇 is the year's zero).
_CODE_DIGITS = "零一二三四五六七八九"

_UNITS = {
    "km/h": "公里每小时",
    "m/s": "米每秒",
    "km²": "平方公里",
    "km2": "平方公里",
    "cm²": "平方厘米",
    "m²": "平方米",
    "m³": "立方米",
    "km": "公里",
    "kg": "千克",
    "mg": "毫克",
    "μg": "微克",
    "cm": "厘米",
    "mm": "毫米",
    "nm": "纳米",
    "μm": "微米",
    "ml": "毫升",
    "mL": "毫升",
    "L": "升",
    "kWh": "千瓦时",
    "kW": "千瓦",
    "MW": "兆瓦",
    "GW": "吉瓦",
    "W": "瓦",
    "kV": "千伏",
    "V": "伏",
    "mAh": "毫安时",
    "mA": "毫安",
    "A": "安",
    "GHz": "吉赫兹",
    "MHz": "兆赫兹",
    "kHz": "千赫兹",
    "Hz": "赫兹",
    "MPa": "兆帕",
    "kPa": "千帕",
    "Pa": "帕",
    "dB": "分贝",
    "GB": "G B",
    "TB": "T B",
    "MB": "M B",
    "ms": "毫秒",
    "min": "分钟",
    "℃": "摄氏度",
    "°C": "摄氏度",
    "℉": "华氏度",
    "°F": "华氏度",
    "°": "度",
    "g": "克",
    "m": "米",
    "t": "吨",
    "h": "小时",
    "s": "秒",
}
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))

#: Currency written before the amount, read after it (``$5`` 五美元). Longest first.
_CURRENCIES = {
    "US$": "美元",
    "HK$": "港元",
    "A$": "澳元",
    "C$": "加元",
    "NT$": "新台币",
    "USD": "美元",
    "HKD": "港元",
    "CNY": "元",
    "RMB": "元",
    "EUR": "欧元",
    "GBP": "英镑",
    "JPY": "日元",
    "$": "美元",
    "￥": "元",
    "¥": "元",
    "€": "欧元",
    "£": "英镑",
    "₩": "韩元",
}
_CUR_RE = "|".join(re.escape(c) for c in sorted(_CURRENCIES, key=len, reverse=True))

#: Words after which a number names something rather than counts it (read digit by digit).
_CODE_WORDS = (
    "编号|号码|电话|手机|热线|拨打|致电|座机|固话|传真|代码|工号|学号|账号|帐号|尾号|卡号|"
    "单号|邮编|车牌|车次|航班|房号|密码|验证码|序列号|批号|型号|证号|身份证"
)
#: Words that make ``17:16`` a score (within a few characters before it).
_SCORE_WORDS = (
    "比分|比赛|战胜|击败|负于|不敌|战平|逆转|憾负|爆冷|大胜|险胜|取胜|获胜|告负|终场|半场"
)

_NUM = r"\d+(?:\.\d+)?"


@dataclass(frozen=True)
class Reading:
    """One decision: ``source`` (``text[start:end]``) is spoken as ``spoken``, by ``rule``."""

    start: int
    end: int
    source: str
    spoken: str
    rule: str


def _cardinal(s: str) -> str:
    try:
        out = cardinal(s.replace(",", ""))
    except ValueError:  # longer than a count is read (a serial number): digit by digit
        return _digits(s)
    # 二千 reads as 两千 in speech (and 二万, 二亿), but 十二 and 二十 stay.
    return re.sub(r"(?<![一二三四五六七八九十])二(?=[千万亿])", "两", out)


def _amount(s: str) -> str:
    """A price or a percentage: trailing zeros of the fraction are not said (36.00元 三十六元)."""
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return _cardinal(s)


def _digits(s: str, table: str = _CODE_DIGITS) -> str:
    return "".join(table[int(c)] if c.isdigit() else ("点" if c == "." else "") for c in s)


def _year_digits(s: str) -> str:
    return "".join(_DIGITS[int(c)] for c in s)


def _month_day_ok(month: str, day: str | None = None) -> bool:
    return 1 <= int(month) <= 12 and (day is None or 1 <= int(day) <= 31)


# --- rule functions: a match -> its spoken words, or None to leave the text to later rules ---


def _ymd(m: re.Match[str]) -> str | None:
    y, mo, d = m.group("y"), m.group("m"), m.group("d")
    if not _month_day_ok(mo, d):
        return None
    return _year_digits(y) + "年" + _cardinal(mo) + "月" + _cardinal(d) + "日"


def _dmy(m: re.Match[str]) -> str | None:
    d, mo, y = m.group("d"), m.group("m"), m.group("y")
    if not _month_day_ok(mo, d):
        return None
    return _year_digits(y) + "年" + _cardinal(mo) + "月" + _cardinal(d) + "日"


def _ym(m: re.Match[str]) -> str | None:
    y, mo = m.group("y"), m.group("m")
    if not _month_day_ok(mo):
        return None
    return _year_digits(y) + "年" + _cardinal(mo) + "月"


def _md(m: re.Match[str]) -> str | None:
    mo, d = m.group("m"), m.group("d")
    if not _month_day_ok(mo, d):
        return None
    return _cardinal(mo) + "月" + _cardinal(d) + "日"


#: Around ``2000年``, words that make it a length of time (两千年), not a year (二〇〇〇年).
_YEARS_BEFORE = re.compile(r"(?:近|约|了|历时|长达|超过|逾|已有|经过|花了)$")
_YEARS_AFTER = re.compile(r"(?:多|余|历史|之久|以上|左右|前后|的历史|间)")


def _year(m: re.Match[str]) -> str | None:
    before = m.string[max(0, m.start() - 2) : m.start()]
    if _YEARS_BEFORE.search(before) or _YEARS_AFTER.match(m.string, m.end()):
        return None
    return _year_digits(m.group(1)) + "年"


def _year_range(m: re.Match[str]) -> str:
    return _year_digits(m.group(1)) + "至" + _year_digits(m.group(2)) + "年"


def _date(m: re.Match[str]) -> str:
    month, day, suffix = m.group(1), m.group(2), m.group(3)
    return _cardinal(month) + "月" + _cardinal(day) + suffix


def _clock(hour: int, minute: int, second: int | None) -> str:
    out = _cardinal(str(hour)) + "点"
    if second is None:
        if minute == 0:
            return out
        if minute == 30:
            return out + "半"
    out += ("零" if 0 < minute < 10 else "") + _cardinal(str(minute)) + "分"
    if second is not None:
        out += _cardinal(str(second)) + "秒"
    return out


def _ampm(m: re.Match[str]) -> str:
    mark = (m.group("ap") or "").lower().replace(".", "").strip()
    prefix = {"am": "上午", "pm": "下午"}.get(mark, "")
    return prefix


def _hms(m: re.Match[str]) -> str | None:
    h, mi, s = int(m.group("h")), int(m.group("mi")), int(m.group("s"))
    if h > 24 or mi > 59 or s > 59:
        return None
    return _ampm(m) + _clock(h, mi, s)


def _hm(m: re.Match[str]) -> str | None:
    """``17:16``: a score when a score is talked about just before, or when it cannot be a
    time; otherwise a time of day."""
    a, b = m.group("h"), m.group("mi")
    before = m.string[max(0, m.start() - 8) : m.start()]
    if m.group("ap") is None and (
        re.search(_SCORE_WORDS, before) or int(a) > 24 or int(b) > 59 or len(b) == 1
    ):
        return _cardinal(a) + "比" + _cardinal(b)
    return _ampm(m) + _clock(int(a), int(b), None)


def _talks_score(m: re.Match[str]) -> bool:
    """Is a score talked about next to this match (比分…3:1, 以3-2获胜)?"""
    around = m.string[max(0, m.start() - 8) : m.start()] + " " + m.string[m.end() : m.end() + 4]
    return re.search(_SCORE_WORDS, around) is not None


def _score(m: re.Match[str]) -> str:
    return _cardinal(m.group(1)) + "比" + _cardinal(m.group(2))


def _percent(m: re.Match[str]) -> str:
    return _sign(m.group("sign")) + "百分之" + _amount(m.group("n"))


def _percent_range(m: re.Match[str]) -> str:
    return "百分之" + _amount(m.group(1)) + "至百分之" + _amount(m.group(2))


def _range(m: re.Match[str]) -> str:
    return _cardinal(m.group(1)) + "至" + _cardinal(m.group(2))


def _phone(m: re.Match[str]) -> str:
    parts = [p for p in re.split(r"[-\s]+", m.group("num")) if p]
    out = "，".join(_digits(p) for p in parts)
    if m.group("cc"):
        out = _digits(m.group("cc")) + "，" + out
    return out


#: What follows a count (手机1000万部 is a count, 手机13800… a number to dial).
_COUNTED = re.compile(r"\s*[万亿个人元名件次台辆吨米只家户位种年天倍斤股份部条款%％]")


def _code(m: re.Match[str]) -> str | None:
    if _COUNTED.match(m.string, m.end()):
        return None
    return m.group("pre") + _digits(m.group("n"))


def _sign(sign: str | None) -> str:
    return {"-": "负", "−": "负", "－": "负", "负": "负", "+": "正", "±": "正负"}.get(
        sign or "", ""
    )


def _unit(m: re.Match[str]) -> str:
    unit = _UNITS[m.group("u")]
    sign = m.group("sign")
    if sign and unit in ("摄氏度", "华氏度", "度"):
        # Weather: 零下五摄氏度, as forecasts say it.
        return "零下" + _cardinal(m.group("n")) + unit
    return _sign(sign) + _cardinal(m.group("n")) + unit


def _money(m: re.Match[str]) -> str:
    return _amount(m.group("n")) + (m.group("big") or "") + _CURRENCIES[m.group("c")]


def _fraction(m: re.Match[str]) -> str:
    return _sign(m.group("sign")) + _cardinal(m.group("d")) + "分之" + _cardinal(m.group("n"))


def _signed(m: re.Match[str]) -> str:
    return _sign(m.group("sign")) + _cardinal(m.group("n"))


def _signed_word(m: re.Match[str]) -> str:
    word = m.group(1)
    return "负" + (_cardinal(word[:-2]) + "分之" if word[0].isdigit() else word)


def _generation(m: re.Match[str]) -> str:
    return _digits(m.group(1)) + "后"


def _short_year(m: re.Match[str]) -> str:
    return _year_digits(m.group(1)) + "年"


def _era_year(m: re.Match[str]) -> str:
    return m.group(1) + _year_digits(m.group(2)) + "年"


def _ad_bc(m: re.Match[str]) -> str:
    """``2334bc`` / ``1066 A.D.``: a year with its era, as Chinese says it (公元前…年)."""
    era = "公元前" if m.group("era").lower().startswith("b") else "公元"
    return era + _year_digits(m.group(1)) + "年"


def _leading_zero(m: re.Match[str]) -> str:
    return _digits(m.group(0))


def _long_bare(m: re.Match[str]) -> str | None:
    """A bare run of eight digits (a city phone number's length) or of twelve or more (bank
    cards, ID numbers: beyond what news writes as a count without 亿) is a code, read digit
    by digit; an amount is written 1,200,000 or 120万, or is followed by what it counts, is
    round, or is a rank (第…)."""
    if len(m.group(0)) not in (8,) and len(m.group(0)) < 12:
        return None
    after = m.string[m.end() : m.end() + 1]
    if m.group(0).endswith("00") or m.string[max(0, m.start() - 1) : m.start()] == "第":
        return None  # a round number is an amount; 第… is a rank
    if after and _COUNTED.match(m.string, m.end()):
        return None
    return _digits(m.group(0))


def _decimal_dot(m: re.Match[str]) -> str:
    return "零点" + _digits(m.group(1))


def _ip(m: re.Match[str]) -> str:
    return "点".join(_digits(p) for p in m.group(0).split("."))


def _math(m: re.Match[str]) -> str:
    return {
        "=": "等于",
        "≠": "不等于",
        "≈": "约等于",
        "≤": "小于等于",
        "<=": "小于等于",
        "≥": "大于等于",
        ">=": "大于等于",
        "<": "小于",
        ">": "大于",
        "×": "乘",
        "÷": "除以",
    }[m.group("op")]


def _plain(m: re.Match[str]) -> str:
    return _cardinal(m.group(0))


def _word_number(m: re.Match[str]) -> str:
    """``COVID-19``, ``G20``: the hyphen joins a name to its number; neither minus nor range."""
    return m.group(1) + _cardinal(m.group(2))


def _acronym(m: re.Match[str]) -> str:
    # Spaced capitals are spelled letter by letter by every engine; "PPT" may be read as a word.
    return " ".join(m.group(0))


#: Acronyms said as a word, not spelled (their usual reading in Chinese news).
_WORD_ACRONYMS = frozenset(
    {"COVID", "NASA", "OPEC", "APEC", "NATO", "UNESCO", "UNICEF", "ASEAN", "SARS", "MERS"}
)


def _acronym_or_word(m: re.Match[str]) -> str | None:
    return None if m.group(0) in _WORD_ACRONYMS else _acronym(m)


def _symbol(table: dict[str, str]) -> Callable[[re.Match[str]], str]:
    return lambda m: table[m.group(0)]


_D = r"(?<![\d.])"  # a number starts here, not inside another
_E = r"(?![\d.]?\d)"  # and ends here
_SIGN = r"(?:(?<![A-Za-z0-9)）])(?P<sign>[-−－±]))?"

Rule = tuple[str, re.Pattern[str], Callable[[re.Match[str]], "str | None"]]

_RULES: tuple[Rule, ...] = (
    # Phones and codes first: they look like ranges, dates and counts.
    (
        "phone",
        re.compile(
            r"(?:\+(?P<cc>\d{1,3})[\s-]?)?(?<!\d)(?P<num>1[3-9]\d{9}|0\d{2,3}-\d{7,8}"
            r"|[48]00-?\d{3}-?\d{4}|\d{3}-\d{3}-\d{4})(?!\d)"
        ),
        _phone,
    ),
    (
        "code",
        re.compile(
            r"(?P<pre>(?:" + _CODE_WORDS + r")(?:是|为|：|:)?\s*[“\"「]?)(?P<n>\d{3,})(?![\d.])"
        ),
        _code,
    ),
    ("code", re.compile(r"(?<![\d.])(?P<pre>)(?P<n>\d{5,})(?=号)"), _code),
    ("ip", re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])"), _ip),
    # Dates.
    (
        "date",
        re.compile(
            _D + r"(?P<y>(?:1[5-9]|20)\d\d)(?P<s>[-/.·])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})" + _E
        ),
        _ymd,
    ),
    (
        "date",
        re.compile(
            _D + r"(?P<d>\d{1,2})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<y>(?:1[5-9]|20)\d\d)" + _E
        ),
        _dmy,
    ),
    ("date", re.compile(_D + r"(?P<y>(?:1[5-9]|20)\d\d)[-/.](?P<m>\d{1,2})" + _E + r"(?!%)"), _ym),
    (
        "date",
        re.compile(_D + r"(?P<m>\d{1,2})[-/.](?P<y>(?:1[5-9]|20)\d\d)" + _E),
        _ym,
    ),
    ("year", re.compile(r"(?<!\d)(\d{4})\s*[-–~～至到]\s*(\d{4})年"), _year_range),
    ("year", re.compile(r"(?<![\d.])(\d{4})年"), _year),
    ("year", re.compile(r"(?<![\d.])(0\d|\d\d)年(?=\d{1,2}月)"), _short_year),
    ("year", re.compile(r"(?<![\d.])(0\d)年"), _short_year),
    ("year", re.compile(r"(公元前?)(\d{1,4})年"), _era_year),
    (
        "year",
        re.compile(r"(?<![\d.])(\d{1,4})\s?(?P<era>[AaBb]\.?[Dd]\.?|[Bb]\.?[Cc]\.?)(?![A-Za-z])"),
        _ad_bc,
    ),
    (
        "year",
        re.compile(r"(?<![\d.])(\d{4})年(\d{1,2})月\s?(?P<era>[Bb]\.?[Cc]\.?)(?![A-Za-z])"),
        lambda m: "公元前" + _year_digits(m.group(1)) + "年" + _cardinal(m.group(2)) + "月",
    ),
    ("generation", re.compile(r"(?<![\d.])([0-9]0)后(?!\d)"), _generation),
    ("date", re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})([日号])"), _date),
    # Times and scores.
    (
        "time",
        re.compile(
            r"(?<![\d.])(?P<h>\d{1,2})[:：](?P<mi>\d{2})[:：](?P<s>\d{2})(?![\d:])"
            r"(?:\s*(?P<ap>[AaPp]\.?[Mm]\.?))?"
        ),
        _hms,
    ),
    (
        "time",
        re.compile(
            r"(?<![\d.])(?P<h>\d{1,3})[:：](?P<mi>\d{1,3})(?![\d:])"
            r"(?:\s*(?P<ap>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?"
        ),
        _hm,
    ),
    (
        "score",
        re.compile(r"(?<![\d.])(\d{1,3})\s*[-/]\s*(\d{1,3})(?![\d./])"),
        lambda m: _score(m) if _talks_score(m) else None,
    ),
    # Money, percentages, measures.
    (
        "money",
        re.compile(
            r"(?P<c>"
            + _CUR_RE
            + r")\s?(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|"
            + _NUM
            + r")(?P<big>[万亿])?"
        ),
        _money,
    ),
    ("money", re.compile(r"(?<![\d.])(?P<n>" + _NUM + r")(?=元)"), lambda m: _amount(m.group("n"))),
    (
        "percent",
        re.compile(r"(?<!\d)(" + _NUM + r")\s*%\s*[-–~～至到]\s*(" + _NUM + r")\s*%"),
        _percent_range,
    ),
    (
        "percent",
        re.compile(r"(?<!\d)(" + _NUM + r")\s*[-–~～至到]\s*(" + _NUM + r")\s*%"),
        _percent_range,
    ),
    ("percent", re.compile(_SIGN + r"(?<![\d.])(?P<n>" + _NUM + r")\s*[%％]"), _percent),
    ("percent", re.compile(r"(?<![A-Za-z0-9)）])[-−－](百分之|\d+分之)"), _signed_word),
    (
        "fraction",
        re.compile(_SIGN + r"(?<![\d./])(?P<n>\d+)\s*/\s*(?P<d>\d+)(?![\d/]|\.\d)"),
        _fraction,
    ),
    ("range", re.compile(_D + r"(" + _NUM + r")\s*[-–~～]\s*(" + _NUM + r")(?![\d.])"), _range),
    (
        "unit",
        re.compile(
            _SIGN + r"(?<![\d.])(?P<n>" + _NUM + r")\s*(?P<u>" + _UNIT_RE + r")(?![A-Za-z²³])"
        ),
        _unit,
    ),
    ("math", re.compile(r"\s*(?P<op><=|>=|[=≠≈≤≥])\s*(?=[-\d一二三四五六七八九十零])"), _math),
    # B2B, O2O, P2P: business models said with English "to", as Chinese news says them.
    (
        "acronym",
        re.compile(r"(?<![A-Za-z])([A-Z])2([A-Z])(?![A-Za-z])"),
        lambda m: f"{m.group(1)} to {m.group(2)}",
    ),
    ("word-number", re.compile(r"([A-Za-z]{2,})-(\d+)(?![\d.])"), _word_number),
    ("number", re.compile(r"(?<![\d.])0(\d)(?=[月日号时点分秒])"), lambda m: _cardinal(m.group(1))),
    ("digits", re.compile(r"(?<![\d.])0\d+(?![\d.])"), _leading_zero),
    ("digits", re.compile(r"(?<![\d.,])\d{8,}(?![\d.,])"), _long_bare),
    ("decimal", re.compile(r"(?<![A-Za-z0-9.])\.(\d+)"), _decimal_dot),
    (
        "number",
        re.compile(_SIGN + r"(?<![\d.])(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|" + _NUM + r")(?!\d)"),
        _signed,
    ),
    ("number", re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|" + _NUM), _plain),
    (
        "math",
        re.compile(r"(?<=[\d一二三四五六七八九十零〇百千万亿\s])\s*(?P<op><=|>=|[=≠≈≤≥<>×÷])\s*"),
        _math,
    ),
    ("symbol", re.compile(r"±"), lambda m: "正负"),
    ("symbol", re.compile(r"\+"), lambda m: "加"),
    ("acronym", re.compile(r"(?<![A-Za-z])[A-Z]{2,6}(?![A-Za-z])"), _acronym_or_word),
)


def readings(text: str) -> list[Reading]:
    """Every span of ``text`` the normaliser rewrites, in text order, with its reading.

    Rules are tried in priority order, each only on text no earlier rule has read; a rule
    may decline a match (return None), leaving it to later rules."""
    done: list[Reading] = []
    gaps: list[tuple[int, int]] = [(0, len(text))]
    for name, pattern, read in _RULES:
        new_gaps: list[tuple[int, int]] = []
        for start, end in gaps:
            pos = start
            while pos < end:
                m = pattern.search(text, pos, end)
                if m is None:
                    break
                if m.end() == m.start():
                    pos = m.end() + 1
                    continue
                spoken = read(m)
                if spoken is None:
                    pos = m.start() + 1
                    continue
                new_gaps.append((start, m.start()))
                done.append(Reading(m.start(), m.end(), m.group(0), spoken, name))
                start = pos = m.end()
            new_gaps.append((start, end))
        gaps = [(a, b) for a, b in new_gaps if a < b]
    return sorted(done, key=lambda r: r.start)


def _apply(text: str, spans: list[Reading]) -> str:
    out: list[str] = []
    pos = 0
    for r in spans:
        out.append(text[pos : r.start])
        out.append(r.spoken)
        pos = r.end
    out.append(text[pos:])
    return "".join(out)


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


def _prepare(text: str) -> str:
    """Dashes and ellipses become pauses, quotes are not spoken (lengths change, so this is
    done before spans are taken: spans index the prepared text)."""
    text = text.replace("——", "，").replace("—", "，").replace("……", "。").replace("…", "。")
    return re.sub(r"[“”\"「」『』‘’]", "", text)


def normalise_with_readings(text: str) -> tuple[str, list[Reading]]:
    """``text`` as it should be spoken, and the readings that made it."""
    prepared = _prepare(text)
    spans = readings(prepared)
    out = _apply(prepared, spans).translate(_PUNCT)
    out = re.sub(r"[，、]{2,}", "，", out)
    out = re.sub(r"^[，。；：\s]+", "", out)
    return out, spans


def normalise(text: str) -> str:
    """Rewrite ``text`` as it should be spoken (Simplified Chinese in, Simplified out)."""
    return normalise_with_readings(text)[0]
