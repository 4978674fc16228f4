from __future__ import annotations

import pytest

from audiobook.text.lexicon import load_lexicon


def test_shipped_lexicon_substitutes() -> None:
    lexicon = load_lexicon(None)
    assert lexicon.apply("扎赉诺尔区新开街") == "扎赖诺尔区新开街"
    assert lexicon.pinyin()["扎赉诺尔"] == ["zha1", "lai4", "nuo4", "er3"]


def test_user_lexicon_traditional_key(tmp_path) -> None:
    path = tmp_path / "lex.toml"
    path.write_text('[words."扎賚諾爾"]\nsay = "扎赖诺尔"\n', "utf-8")
    assert load_lexicon(path).apply("扎赉诺尔") == "扎赖诺尔"


def test_pinyin_length_checked(tmp_path) -> None:
    path = tmp_path / "lex.toml"
    path.write_text('[words."重庆"]\npinyin = "chong2"\n', "utf-8")
    with pytest.raises(ValueError):
        load_lexicon(path)
