"""Character-level rules: invisible characters, mojibake, URLs, emoji, Latin noise."""

from __future__ import annotations

import re
from collections.abc import Callable

from audiobook.text import has_letter_or_number
from audiobook.text.clean.context import Context, Span

INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\u00ad\ufff9-\ufffb"
    "\x00-\x08\x0b-\x1f\x7f-\x9f\ue000-\uf8ff]"
)
MOJIBAKE = re.compile("\ufffd+|(?:锟斤拷)+|(?:烫烫烫)+烫*|(?:屯屯屯)+屯*|(?:�)+")
URL = re.compile(
    r"(?:https?://|ftp://|www\.)[^\s\u3000-\u303f\uff00-\uffef\u4e00-\u9fff\"'<>()]+",
    re.IGNORECASE,
)
_EMOJI = re.compile(
    "(?:[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\u2b50\u2b55\u2934"
    "\u2935\u3030\u303d\u2190-\u21ff\u2300-\u23ff\u25a0-\u25ff\u2b00-\u2bff]"
    "[\ufe0e\ufe0f\u200d\U0001f3fb-\U0001f3ff]*)+"
)
LATIN_NOISE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{12,}(?![A-Za-z0-9])")


def regex_rule(pattern: re.Pattern[str]) -> Callable[[str, Context], list[Span]]:
    def rule(text: str, ctx: Context) -> list[Span]:
        return [m.span() for m in pattern.finditer(text)]

    return rule


def emoji(text: str, ctx: Context) -> list[Span]:
    # Only symbols that are pictographs; CJK punctuation and letters never match the class above.
    return [m.span() for m in _EMOJI.finditer(text) if not has_letter_or_number(m.group())]
