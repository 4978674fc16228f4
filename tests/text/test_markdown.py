from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from audiobook.text.markdown import to_text
from audiobook.text.read import decode


def test_keeps_what_a_reader_sees() -> None:
    source = (
        "# 标题\n\n正文**加粗**和[链接](https://x.org)。![图](a.png)\n\n"
        "## 第一节\n\n- 第一项\n- 第二项\n\n```\ncode()\n```\n\n> 引用的话。\n"
    )
    assert to_text(source) == "# 标题\n正文加粗和链接。\n## 第一节\n第一项\n第二项\n引用的话。\n"


def test_markdown_files_are_read_as_text() -> None:
    doc = decode("---\ntitle: x\n---\n# 标题\n\n*正文*。\n".encode(), "a.md")
    assert doc.text == "# 标题\n正文。\n"
    plain = decode("*正文*。\n".encode(), "a.txt")
    assert plain.text == "*正文*。\n"


@given(st.text(max_size=300))
def test_never_crashes(source: str) -> None:
    assert isinstance(to_text(source), str)
