"""The generated cover: which font draws the title, and the pinyin fallback without one."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageFont

from audiobook.publish import cover


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (1400, 1400))
    return image


def test_explicit_font_file_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    font = tmp_path / "my.ttf"
    font.write_bytes(b"")
    monkeypatch.setenv("AUDIOBOOK_CJK_FONT", str(font))
    assert cover.cjk_font_path() == str(font)
    monkeypatch.setenv("AUDIOBOOK_CJK_FONT", str(tmp_path / "missing.ttf"))
    assert cover.cjk_font_path() != str(tmp_path / "missing.ttf")


def test_without_a_cjk_font_the_title_is_drawn_in_pinyin(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[str] = []
    original = cover._wrap
    monkeypatch.setattr(cover, "cjk_font_path", lambda: None)
    monkeypatch.setattr(cover, "_wrap", lambda text, *a: drawn.append(text) or original(text, *a))
    _image(cover.generate_cover("社区图书馆", "编辑部"))
    assert drawn and drawn[0] == "she qu tu shu guan"


def test_with_a_cjk_font_the_title_is_drawn_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUDIOBOOK_CJK_FONT", raising=False)
    font = cover.cjk_font_path()
    assert font is not None, "the install brings Noto Sans CJK (cvttf-NotoSansCJK-Regular)"
    drawn: list[str] = []
    original = cover._wrap
    monkeypatch.setattr(cover, "_wrap", lambda text, *a: drawn.append(text) or original(text, *a))
    _image(cover.generate_cover("社区图书馆", "编辑部"))
    assert drawn[0] == "社区图书馆"
    # Real glyphs, not the one missing-glyph box drawn for every character.
    face = ImageFont.truetype(font, 64)
    shapes = {bytes(face.getmask(char)) for char in "社区图书馆"}
    assert len(shapes) == 5
