from __future__ import annotations

import pytest

from audiobook.text.normalise import normalise


@pytest.mark.parametrize(
    ("raw", "spoken"),
    [
        ("2023年下半年", "二〇二三年下半年"),
        ("415个行政村", "四百一十五个行政村"),
        ("2500余块", "两千五百余块"),
        ("5月20日", "五月二十日"),
        ("上午10:30", "上午十点半"),
        ("占30%", "占百分之三十"),
        ("3-5%", "百分之三至百分之五"),
        ("1990-2000年", "一九九〇至二〇〇〇年"),
        ("13812345678", "幺三八幺二三四五六七八"),
        ("全长21.6km", "全长二十一点六公里"),
        ("做PPT", "做P P T"),
        ("干部借调规范后——下层单元", "干部借调规范后，下层单元"),
        ("说:“好。”", "说：好。"),
    ],
)
def test_normalise(raw: str, spoken: str) -> None:
    assert normalise(raw) == spoken
