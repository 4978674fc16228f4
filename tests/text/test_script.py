from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.models import Article, Section
from audiobook.text.lexicon import load_lexicon
from audiobook.text.script import script
from audiobook.text.structure import LEAD_TITLE


def _article() -> Article:
    return Article(
        title=None,
        byline=None,
        sections=(
            Section(LEAD_TITLE, ("第一句。第二句！……", "“”")),
            Section("迎检后——社区干部", ("扎赉诺尔区在2023年新建广场。",)),
        ),
    )


def test_segments_order_titles_and_pauses() -> None:
    segs = script(_article(), normalise=True, max_chars=100, lexicon=load_lexicon(None))
    assert [(s.section, s.index, s.display_text) for s in segs] == [
        (0, 0, "第一句。"),
        (0, 1, "第二句！……"),
        (1, 0, "迎检后——社区干部"),
        (1, 1, "扎赉诺尔区在2023年新建广场。"),
    ]
    assert [s.ends_paragraph for s in segs] == [False, True, True, True]
    assert segs[2].spoken_text == "迎检后，社区干部"
    assert segs[3].spoken_text == "扎赖诺尔区在二〇二三年新建广场。"


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300), st.integers(min_value=1, max_value=60))
def test_pieces_fit_and_are_speakable(text: str, max_chars: int) -> None:
    article = Article(None, None, (Section(LEAD_TITLE, tuple(text.splitlines())),))
    for seg in script(article, normalise=False, max_chars=max_chars):
        assert len(seg.display_text) <= max_chars
        assert any(c.isalnum() for c in seg.spoken_text)


def _bylined(byline: str, first: str) -> Article:
    return Article(
        title="公园新增器材",
        byline=byline,
        sections=(Section("公园新增器材", (first, "第二段。")), Section("一、其他", ("正文。",))),
    )


def test_the_byline_is_spoken_after_the_title() -> None:
    segs = script(
        _bylined("本报记者 林晓", "今年以来，市里新增公园。"), normalise=False, max_chars=100
    )
    assert [(s.section, s.display_text) for s in segs[:3]] == [
        (0, "公园新增器材"),
        (0, "本报记者 林晓"),
        (0, "今年以来，市里新增公园。"),
    ]
    assert [s.index for s in segs if s.section == 0] == [0, 1, 2, 3]


def test_a_byline_inside_the_first_paragraph_is_said_once() -> None:
    first = "新华社北京1月5日电（记者 张三）今年以来，市里新增公园。"
    segs = script(_bylined("记者 张三", first), normalise=False, max_chars=100)
    assert sum("张三" in s.display_text for s in segs) == 1
