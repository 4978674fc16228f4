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


# Big5 bytes also decode as GB18030 and many GB18030 texts also decode as Big5, without error;
# the decoding must still be the right one, for short and long texts in either script.
_BIG5_OR_GB = [
    "臺灣",
    "夜市開張",
    "銀行利率調整",
    "《夜市》開張了",
    "夜市重新開張，攤商說：「生意回來了！」",
    "台北市夜市昨晚重新開張，攤商與遊客擠滿街道。市府表示，將持續加強衛生檢查，確保民眾吃得"
    "安心。攤商陳先生說：「停業三個月，終於可以重新開始了。」（記者李四／台北報導）\n"
    "市場管理處也增設了休息區與飲水機，受到民眾歡迎。",
    "你好",
    "公园器材",
    "银行利率调整",
    "公园新增健身器材，市民说：“真方便！”",
    "今年以来，市园林部门在二十个公园新增健身器材三百多套，方便市民就近锻炼。家住附近的退休"
    "工人老周每天早上都来公园打太极拳。他说，器材多了，来锻炼的邻居也多了。\n"
    "园林部门负责人表示，将定期检修器材，确保市民使用安全。",
]


@pytest.mark.parametrize("encoding", ["big5", "gb18030"])
@pytest.mark.parametrize("text", _BIG5_OR_GB)
def test_big5_and_gb18030_are_told_apart(text: str, encoding: str) -> None:
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        pytest.skip(f"not representable in {encoding}")
    doc = decode(data, "a.txt")
    assert doc.text == text
    assert doc.encoding == encoding


def test_a_few_private_use_symbols_are_text() -> None:
    # GBK-era text carries vendors' user-defined symbols (private use) here and there.
    text = "公园新增健身器材\ue40c市民说很方便。\ue40c" * 3 + "今年以来新建公园二十个。" * 2
    for encoding in ("utf-8", "gb18030"):
        assert decode(text.encode(encoding), "a.txt").text == text


def test_mostly_private_use_is_not_text() -> None:
    with pytest.raises(InputError, match="binary"):
        decode(("\ue000\ue001\ue002" * 50 + "字").encode("utf-8"), "a.txt")
