"""How a number, date, time, unit or symbol is said: the tables and the reading of each shape
(a regular-expression match -> its spoken words, or None to leave the text to later rules).
The rules that decide which shape a span of text has are in :mod:`audiobook.text.normalise`."""

from __future__ import annotations

import re
from collections.abc import Callable

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
UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))

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
CUR_RE = "|".join(re.escape(c) for c in sorted(_CURRENCIES, key=len, reverse=True))

#: Words after which a number names something rather than counts it (read digit by digit).
CODE_WORDS = (
    "编号|号码|电话|手机|热线|拨打|致电|座机|固话|传真|代码|工号|学号|账号|帐号|尾号|卡号|"
    "单号|邮编|车牌|车次|航班|房号|密码|验证码|序列号|批号|型号|证号|身份证"
)
#: Words that make ``17:16`` a score (within a few characters before it).
_SCORE_WORDS = (
    "比分|比赛|战胜|击败|负于|不敌|战平|逆转|憾负|爆冷|大胜|险胜|取胜|获胜|告负|终场|半场"
)

NUM = r"\d+(?:\.\d+)?"


def say_cardinal(s: str) -> str:
    try:
        out = cardinal(s.replace(",", ""))
    except ValueError:  # longer than a count is read (a serial number): digit by digit
        return _digits(s)
    # 二千 reads as 两千 in speech (and 二万, 二亿), but 十二 and 二十 stay.
    return re.sub(r"(?<![一二三四五六七八九十])二(?=[千万亿])", "两", out)


def say_amount(s: str) -> str:
    """A price or a percentage: trailing zeros of the fraction are not said (36.00元 三十六元)."""
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return say_cardinal(s)


def _digits(s: str, table: str = _CODE_DIGITS) -> str:
    return "".join(table[int(c)] if c.isdigit() else ("点" if c == "." else "") for c in s)


def say_year_digits(s: str) -> str:
    return "".join(_DIGITS[int(c)] for c in s)


def _month_day_ok(month: str, day: str | None = None) -> bool:
    return 1 <= int(month) <= 12 and (day is None or 1 <= int(day) <= 31)


# --- rule functions: a match -> its spoken words, or None to leave the text to later rules ---


def say_ymd(m: re.Match[str]) -> str | None:
    y, mo, d = m.group("y"), m.group("m"), m.group("d")
    if not _month_day_ok(mo, d):
        return None
    return say_year_digits(y) + "年" + say_cardinal(mo) + "月" + say_cardinal(d) + "日"


def say_dmy(m: re.Match[str]) -> str | None:
    d, mo, y = m.group("d"), m.group("m"), m.group("y")
    if not _month_day_ok(mo, d):
        return None
    return say_year_digits(y) + "年" + say_cardinal(mo) + "月" + say_cardinal(d) + "日"


def say_ym(m: re.Match[str]) -> str | None:
    y, mo = m.group("y"), m.group("m")
    if not _month_day_ok(mo):
        return None
    return say_year_digits(y) + "年" + say_cardinal(mo) + "月"


def _md(m: re.Match[str]) -> str | None:
    mo, d = m.group("m"), m.group("d")
    if not _month_day_ok(mo, d):
        return None
    return say_cardinal(mo) + "月" + say_cardinal(d) + "日"


#: Around ``2000年``, words that make it a length of time (两千年), not a year (二〇〇〇年).
_YEARS_BEFORE = re.compile(r"(?:近|约|了|历时|长达|超过|逾|已有|经过|花了)$")
_YEARS_AFTER = re.compile(r"(?:多|余|历史|之久|以上|左右|前后|的历史|间)")


def say_year(m: re.Match[str]) -> str | None:
    before = m.string[max(0, m.start() - 2) : m.start()]
    if _YEARS_BEFORE.search(before) or _YEARS_AFTER.match(m.string, m.end()):
        return None
    return say_year_digits(m.group(1)) + "年"


def say_year_range(m: re.Match[str]) -> str:
    return say_year_digits(m.group(1)) + "至" + say_year_digits(m.group(2)) + "年"


def say_date(m: re.Match[str]) -> str:
    month, day, suffix = m.group(1), m.group(2), m.group(3)
    return say_cardinal(month) + "月" + say_cardinal(day) + suffix


def _clock(hour: int, minute: int, second: int | None) -> str:
    out = say_cardinal(str(hour)) + "点"
    if second is None:
        if minute == 0:
            return out
        if minute == 30:
            return out + "半"
    out += ("零" if 0 < minute < 10 else "") + say_cardinal(str(minute)) + "分"
    if second is not None:
        out += say_cardinal(str(second)) + "秒"
    return out


def _ampm(m: re.Match[str]) -> str:
    mark = (m.group("ap") or "").lower().replace(".", "").strip()
    prefix = {"am": "上午", "pm": "下午"}.get(mark, "")
    return prefix


def say_hms(m: re.Match[str]) -> str | None:
    h, mi, s = int(m.group("h")), int(m.group("mi")), int(m.group("s"))
    if h > 24 or mi > 59 or s > 59:
        return None
    return _ampm(m) + _clock(h, mi, s)


def say_hm(m: re.Match[str]) -> str | None:
    """``17:16``: a score when a score is talked about just before, or when it cannot be a
    time; otherwise a time of day."""
    a, b = m.group("h"), m.group("mi")
    before = m.string[max(0, m.start() - 8) : m.start()]
    if m.group("ap") is None and (
        re.search(_SCORE_WORDS, before) or int(a) > 24 or int(b) > 59 or len(b) == 1
    ):
        return say_cardinal(a) + "比" + say_cardinal(b)
    return _ampm(m) + _clock(int(a), int(b), None)


def talks_score(m: re.Match[str]) -> bool:
    """Is a score talked about next to this match (比分…3:1, 以3-2获胜)?"""
    around = m.string[max(0, m.start() - 8) : m.start()] + " " + m.string[m.end() : m.end() + 4]
    return re.search(_SCORE_WORDS, around) is not None


def say_score(m: re.Match[str]) -> str:
    return say_cardinal(m.group(1)) + "比" + say_cardinal(m.group(2))


def say_percent(m: re.Match[str]) -> str:
    return _sign(m.group("sign")) + "百分之" + say_amount(m.group("n"))


def say_percent_range(m: re.Match[str]) -> str:
    return "百分之" + say_amount(m.group(1)) + "至百分之" + say_amount(m.group(2))


def say_range(m: re.Match[str]) -> str:
    return say_cardinal(m.group(1)) + "至" + say_cardinal(m.group(2))


def say_phone(m: re.Match[str]) -> str:
    parts = [p for p in re.split(r"[-\s]+", m.group("num")) if p]
    out = "，".join(_digits(p) for p in parts)
    if m.group("cc"):
        out = _digits(m.group("cc")) + "，" + out
    return out


#: What follows a count (手机1000万部 is a count, 手机13800… a number to dial).
_COUNTED = re.compile(r"\s*[万亿个人元名件次台辆吨米只家户位种年天倍斤股份部条款%％]")


def say_code(m: re.Match[str]) -> str | None:
    if _COUNTED.match(m.string, m.end()):
        return None
    return m.group("pre") + _digits(m.group("n"))


def _sign(sign: str | None) -> str:
    return {"-": "负", "−": "负", "－": "负", "负": "负", "+": "正", "±": "正负"}.get(
        sign or "", ""
    )


def say_unit(m: re.Match[str]) -> str:
    unit = _UNITS[m.group("u")]
    sign = m.group("sign")
    if sign and unit in ("摄氏度", "华氏度", "度"):
        # Weather: 零下五摄氏度, as forecasts say it.
        return "零下" + say_cardinal(m.group("n")) + unit
    return _sign(sign) + say_cardinal(m.group("n")) + unit


def say_money(m: re.Match[str]) -> str:
    return say_amount(m.group("n")) + (m.group("big") or "") + _CURRENCIES[m.group("c")]


def say_fraction(m: re.Match[str]) -> str:
    return _sign(m.group("sign")) + say_cardinal(m.group("d")) + "分之" + say_cardinal(m.group("n"))


def say_signed(m: re.Match[str]) -> str:
    return _sign(m.group("sign")) + say_cardinal(m.group("n"))


def say_signed_word(m: re.Match[str]) -> str:
    word = m.group(1)
    return "负" + (say_cardinal(word[:-2]) + "分之" if word[0].isdigit() else word)


def say_generation(m: re.Match[str]) -> str:
    return _digits(m.group(1)) + "后"


def say_short_year(m: re.Match[str]) -> str:
    return say_year_digits(m.group(1)) + "年"


def say_era_year(m: re.Match[str]) -> str:
    return m.group(1) + say_year_digits(m.group(2)) + "年"


def say_ad_bc(m: re.Match[str]) -> str:
    """``2334bc`` / ``1066 A.D.``: a year with its era, as Chinese says it (公元前…年)."""
    era = "公元前" if m.group("era").lower().startswith("b") else "公元"
    return era + say_year_digits(m.group(1)) + "年"


def say_leading_zero(m: re.Match[str]) -> str:
    return _digits(m.group(0))


def say_long_bare(m: re.Match[str]) -> str | None:
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


def say_decimal_dot(m: re.Match[str]) -> str:
    return "零点" + _digits(m.group(1))


def say_ip(m: re.Match[str]) -> str:
    return "点".join(_digits(p) for p in m.group(0).split("."))


def say_math(m: re.Match[str]) -> str:
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


def say_plain(m: re.Match[str]) -> str:
    return say_cardinal(m.group(0))


def say_word_number(m: re.Match[str]) -> str:
    """``COVID-19``, ``G20``: the hyphen joins a name to its number; neither minus nor range."""
    return m.group(1) + say_cardinal(m.group(2))


def _acronym(m: re.Match[str]) -> str:
    # Spaced capitals are spelled letter by letter by every engine; "PPT" may be read as a word.
    return " ".join(m.group(0))


#: Acronyms said as a word, not spelled (their usual reading in Chinese news).
_WORD_ACRONYMS = frozenset(
    {"COVID", "NASA", "OPEC", "APEC", "NATO", "UNESCO", "UNICEF", "ASEAN", "SARS", "MERS"}
)


def say_acronym_or_word(m: re.Match[str]) -> str | None:
    return None if m.group(0) in _WORD_ACRONYMS else _acronym(m)


def _symbol(table: dict[str, str]) -> Callable[[re.Match[str]], str]:
    return lambda m: table[m.group(0)]
