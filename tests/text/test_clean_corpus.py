"""The page-chrome rules against real clean news: they must remove no letter or digit.

``../shared/corpus/news`` holds a few hundred clean articles (Simplified and Traditional); each
is also tried converted to the other script, since scraped input comes in either. The splice
rule is measured by the bench (bench/front_end.py); here it is kept off so the test is quick
and names the rule that misfired. The corpus is read for measuring only: nothing from it is in
the project.
"""

from __future__ import annotations

from collections import Counter

import pytest

from audiobook.text.clean import clean
from tests.text.conftest import SHARED

NEWS = SHARED / "corpus" / "news"


@pytest.mark.slow
def test_no_letter_or_digit_removed_from_clean_news() -> None:
    articles = sorted(NEWS.glob("*.txt")) if NEWS.is_dir() else []
    if not articles:
        pytest.skip("../shared/corpus/news is not present")
    import opencc

    s2t, t2s = opencc.OpenCC("s2t"), opencc.OpenCC("t2s")
    removed: Counter[str] = Counter()
    where: list[str] = []
    for path in articles:
        raw = path.read_text("utf-8")
        for name, text in (("", raw), ("s2t", s2t.convert(raw)), ("t2s", t2s.convert(raw))):
            for r in clean(text, keep=("splice",)).removals:
                n = sum(c.isalnum() for c in r.text)
                if n:
                    removed[r.rule] += n
                    where.append(f"{path.name} {name} [{r.rule}] {r.text[:30]!r}")
    assert not removed, "\n".join(where[:20])
