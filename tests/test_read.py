from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audiobook.errors import InputError
from audiobook.text.read import decode, read_source

TRAD = "國民日報記者 翟欽奇\n社區干部，騰出手干實事。這裡是圖書館的有聲書角。"
SIMP = "社区干部，腾出手干实事。这里是图书馆的有声书角，每周开放六天。"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [(TRAD, "utf-8"), (TRAD, "big5"), (SIMP, "gb18030"), (SIMP, "gbk"), (TRAD, "utf-8-sig")],
)
def test_detects_encodings(text: str, encoding: str) -> None:
    doc = decode(text.encode(encoding), "a.txt")
    assert doc.text == text
    assert doc.encoding in {encoding, "gb18030" if encoding == "gbk" else encoding}


def test_utf16_with_bom() -> None:
    assert decode(TRAD.encode("utf-16"), "a.txt").text == TRAD


@pytest.mark.parametrize(
    "data",
    [b"", b"   \n\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", bytes(range(256)) * 20],
)
def test_refuses_empty_and_binary(data: bytes) -> None:
    with pytest.raises(InputError):
        decode(data, "x.bin")


def test_refuses_huge() -> None:
    with pytest.raises(InputError, match="larger than"):
        decode(b"a" * 2048, "big.txt", max_bytes=1024)


def test_markdown_front_matter_dropped(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: x\n---\n# 标题\n正文。\n", "utf-8")
    assert read_source(path).text.startswith("# 标题")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_source(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="folder"):
        read_source(tmp_path)


def test_line_endings_normalised() -> None:
    assert decode("一\r\n二\r三".encode(), "a.txt").text == "一\n二\n三"


@given(st.binary(max_size=300))
def test_never_crashes_on_bytes(data: bytes) -> None:
    try:
        doc = decode(data, "fuzz")
    except InputError:
        return
    assert doc.text.strip()
