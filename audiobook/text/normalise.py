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

The readings themselves (how each shape is said) are in :mod:`audiobook.text.spoken`; this
module holds the rules (which shape a span has, in priority order) and applies them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from audiobook.text.spoken import (
    CODE_WORDS,
    CUR_RE,
    NUM,
    UNIT_RE,
    say_acronym_or_word,
    say_ad_bc,
    say_amount,
    say_cardinal,
    say_code,
    say_date,
    say_decimal_dot,
    say_dmy,
    say_era_year,
    say_fraction,
    say_generation,
    say_hm,
    say_hms,
    say_ip,
    say_leading_zero,
    say_long_bare,
    say_math,
    say_money,
    say_percent,
    say_percent_range,
    say_phone,
    say_plain,
    say_range,
    say_score,
    say_short_year,
    say_signed,
    say_signed_word,
    say_unit,
    say_word_number,
    say_year,
    say_year_digits,
    say_year_range,
    say_ym,
    say_ymd,
    talks_score,
)

__all__ = [
    "Reading",
    "Rule",
    "normalise",
    "normalise_with_readings",
    "readings",
]


@dataclass(frozen=True)
class Reading:
    """One decision: ``source`` (``text[start:end]``) is spoken as ``spoken``, by ``rule``."""

    start: int
    end: int
    source: str
    spoken: str
    rule: str


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
        say_phone,
    ),
    (
        "code",
        re.compile(
            r"(?P<pre>(?:" + CODE_WORDS + r")(?:是|为|：|:)?\s*[“\"「]?)(?P<n>\d{3,})(?![\d.])"
        ),
        say_code,
    ),
    ("code", re.compile(r"(?<![\d.])(?P<pre>)(?P<n>\d{5,})(?=号)"), say_code),
    ("ip", re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])"), say_ip),
    # Dates.
    (
        "date",
        re.compile(
            _D + r"(?P<y>(?:1[5-9]|20)\d\d)(?P<s>[-/.·])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})" + _E
        ),
        say_ymd,
    ),
    (
        "date",
        re.compile(
            _D + r"(?P<d>\d{1,2})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<y>(?:1[5-9]|20)\d\d)" + _E
        ),
        say_dmy,
    ),
    (
        "date",
        re.compile(_D + r"(?P<y>(?:1[5-9]|20)\d\d)[-/.](?P<m>\d{1,2})" + _E + r"(?!%)"),
        say_ym,
    ),
    (
        "date",
        re.compile(_D + r"(?P<m>\d{1,2})[-/.](?P<y>(?:1[5-9]|20)\d\d)" + _E),
        say_ym,
    ),
    ("year", re.compile(r"(?<!\d)(\d{4})\s*[-–~～至到]\s*(\d{4})年"), say_year_range),
    ("year", re.compile(r"(?<![\d.])(\d{4})年"), say_year),
    ("year", re.compile(r"(?<![\d.])(0\d|\d\d)年(?=\d{1,2}月)"), say_short_year),
    ("year", re.compile(r"(?<![\d.])(0\d)年"), say_short_year),
    ("year", re.compile(r"(公元前?)(\d{1,4})年"), say_era_year),
    (
        "year",
        re.compile(r"(?<![\d.])(\d{1,4})\s?(?P<era>[AaBb]\.?[Dd]\.?|[Bb]\.?[Cc]\.?)(?![A-Za-z])"),
        say_ad_bc,
    ),
    (
        "year",
        re.compile(r"(?<![\d.])(\d{4})年(\d{1,2})月\s?(?P<era>[Bb]\.?[Cc]\.?)(?![A-Za-z])"),
        lambda m: "公元前" + say_year_digits(m.group(1)) + "年" + say_cardinal(m.group(2)) + "月",
    ),
    ("generation", re.compile(r"(?<![\d.])([0-9]0)后(?!\d)"), say_generation),
    ("date", re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})([日号])"), say_date),
    # Times and scores.
    (
        "time",
        re.compile(
            r"(?<![\d.])(?P<h>\d{1,2})[:：](?P<mi>\d{2})[:：](?P<s>\d{2})(?![\d:])"
            r"(?:\s*(?P<ap>[AaPp]\.?[Mm]\.?))?"
        ),
        say_hms,
    ),
    (
        "time",
        re.compile(
            r"(?<![\d.])(?P<h>\d{1,3})[:：](?P<mi>\d{1,3})(?![\d:])"
            r"(?:\s*(?P<ap>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?"
        ),
        say_hm,
    ),
    (
        "score",
        re.compile(r"(?<![\d.])(\d{1,3})\s*[-/]\s*(\d{1,3})(?![\d./])"),
        lambda m: say_score(m) if talks_score(m) else None,
    ),
    # Money, percentages, measures.
    (
        "money",
        re.compile(
            r"(?P<c>"
            + CUR_RE
            + r")\s?(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|"
            + NUM
            + r")(?P<big>[万亿])?"
        ),
        say_money,
    ),
    (
        "money",
        re.compile(r"(?<![\d.])(?P<n>" + NUM + r")(?=元)"),
        lambda m: say_amount(m.group("n")),
    ),
    (
        "percent",
        re.compile(r"(?<!\d)(" + NUM + r")\s*%\s*[-–~～至到]\s*(" + NUM + r")\s*%"),
        say_percent_range,
    ),
    (
        "percent",
        re.compile(r"(?<!\d)(" + NUM + r")\s*[-–~～至到]\s*(" + NUM + r")\s*%"),
        say_percent_range,
    ),
    ("percent", re.compile(_SIGN + r"(?<![\d.])(?P<n>" + NUM + r")\s*[%％]"), say_percent),
    ("percent", re.compile(r"(?<![A-Za-z0-9)）])[-−－](百分之|\d+分之)"), say_signed_word),
    (
        "fraction",
        re.compile(_SIGN + r"(?<![\d./])(?P<n>\d+)\s*/\s*(?P<d>\d+)(?![\d/]|\.\d)"),
        say_fraction,
    ),
    ("range", re.compile(_D + r"(" + NUM + r")\s*[-–~～]\s*(" + NUM + r")(?![\d.])"), say_range),
    (
        "unit",
        re.compile(
            _SIGN + r"(?<![\d.])(?P<n>" + NUM + r")\s*(?P<u>" + UNIT_RE + r")(?![A-Za-z²³])"
        ),
        say_unit,
    ),
    ("math", re.compile(r"\s*(?P<op><=|>=|[=≠≈≤≥])\s*(?=[-\d一二三四五六七八九十零])"), say_math),
    # B2B, O2O, P2P: business models said with English "to", as Chinese news says them.
    (
        "acronym",
        re.compile(r"(?<![A-Za-z])([A-Z])2([A-Z])(?![A-Za-z])"),
        lambda m: f"{m.group(1)} to {m.group(2)}",
    ),
    ("word-number", re.compile(r"([A-Za-z]{2,})-(\d+)(?![\d.])"), say_word_number),
    (
        "number",
        re.compile(r"(?<![\d.])0(\d)(?=[月日号时点分秒])"),
        lambda m: say_cardinal(m.group(1)),
    ),
    ("digits", re.compile(r"(?<![\d.])0\d+(?![\d.])"), say_leading_zero),
    ("digits", re.compile(r"(?<![\d.,])\d{8,}(?![\d.,])"), say_long_bare),
    ("decimal", re.compile(r"(?<![A-Za-z0-9.])\.(\d+)"), say_decimal_dot),
    (
        "number",
        re.compile(_SIGN + r"(?<![\d.])(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|" + NUM + r")(?!\d)"),
        say_signed,
    ),
    ("number", re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|" + NUM), say_plain),
    (
        "math",
        re.compile(r"(?<=[\d一二三四五六七八九十零〇百千万亿\s])\s*(?P<op><=|>=|[=≠≈≤≥<>×÷])\s*"),
        say_math,
    ),
    ("symbol", re.compile(r"±"), lambda m: "正负"),
    ("symbol", re.compile(r"\+"), lambda m: "加"),
    ("acronym", re.compile(r"(?<![A-Za-z])[A-Z]{2,6}(?![A-Za-z])"), say_acronym_or_word),
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
