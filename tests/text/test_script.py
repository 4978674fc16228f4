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
