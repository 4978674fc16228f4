from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audiobook.text.normalise import normalise, normalise_with_readings, readings


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
        ("13812345678", "一三八一二三四五六七八"),  # never 幺 in news
        ("全长21.6km", "全长二十一点六公里"),
        ("做PPT", "做P P T"),
        ("干部借调规范后——下层单元", "干部借调规范后，下层单元"),
        ("说:“好。”", "说：好。"),
    ],
)
def test_normalise(raw: str, spoken: str) -> None:
    assert normalise(raw) == spoken


# The readings issue 17 lists, in sentences written for these tests (not the TN suites').
@pytest.mark.parametrize(
    ("raw", "spoken"),
    [
        ("明晨最低气温-5℃", "明晨最低气温零下五摄氏度"),
        ("全村3/4的农户加入合作社", "全村四分之三的农户加入合作社"),
        ("服务热线400-800-1234全天开通", "服务热线四零零，八零零，一二三四全天开通"),
        ("奥运会于2008-08-08晚开幕", "奥运会于二〇〇八年八月八日晚开幕"),
        ("每份盒饭￥12.50", "每份盒饭十二点五元"),
        ("门票只要$5", "门票只要五美元"),
        ("新建110kV输电线路", "新建一百一十千伏输电线路"),
        ("COVID-19疫苗接种", "COVID十九疫苗接种"),
        ("电影007系列", "电影零零七系列"),
        ("编号27149的列车", "编号二七一四九的列车"),
        ("比分最终定格为17:16", "比分最终定格为十七比十六"),
        ("监控显示03:04:05有人进入", "监控显示三点零四分五秒有人进入"),
        ("他05年参军", "他〇五年参军"),
        ("负债达-1.5亿", "负债达负一点五亿"),
        ("账户尾号为6621", "账户尾号为六六二一"),
        ("据统计，第1000000位游客", "据统计，第一百万位游客"),
        ("主队以3-2获胜", "主队以三比二获胜"),
        ("展出公元前221年的竹简", "展出公元前二二一年的竹简"),
        ("发展B2B电商", "发展B to B电商"),
        ("要求得分≥60分", "要求得分大于等于六十分"),
        ("约有1/5的人", "约有五分之一的人"),
        ("全年卖出手机1000万部", "全年卖出手机一千万部"),
        ("这座古城已有2500年历史", "这座古城已有两千五百年历史"),
        ("工程于2025年完工", "工程于二〇二五年完工"),
    ],
)
def test_issue17_readings(raw: str, spoken: str) -> None:
    assert normalise(raw) == spoken


def test_one_is_never_yao() -> None:
    assert "幺" not in normalise("请拨打010-12345678或13911112222，编号1101")


def test_readings_are_spans_of_the_prepared_text() -> None:
    text = "截至2024年5月1日，共有1,200人参加，占比35%。"
    spans = readings(text)
    assert [(r.source, r.spoken) for r in spans] == [
        ("2024年", "二〇二四年"),
        ("5月1日", "五月一日"),
        ("1,200", "一千二百"),
        ("35%", "百分之三十五"),
    ]
    assert all(text[r.start : r.end] == r.source for r in spans)


_DIGITY = st.text(alphabet="0123456789-/:.%年月日号元$￥℃kmV第比分中文，。", max_size=40)


@given(_DIGITY)
def test_no_ascii_digit_survives(text: str) -> None:
    """Whatever the mix of digits and symbols, the voice is never handed a digit."""
    out = normalise(text)
    assert not any(c.isdigit() and c.isascii() for c in out)


@given(_DIGITY)
def test_spans_are_ordered_and_disjoint(text: str) -> None:
    _, spans = normalise_with_readings(text)
    assert all(a.end <= b.start for a, b in pairwise(spans))
    assert all(r.spoken for r in spans if any(c.isdigit() for c in r.source))


def test_long_runs_stay_linear() -> None:
    """A line of digits or symbols must not make any rule retry quadratically."""
    import time

    start = time.perf_counter()
    normalise("1" * 20000 + "元" + "-" * 2000 + "1:2" * 1000 + "2008-" * 500)
    assert time.perf_counter() - start < 2.0
