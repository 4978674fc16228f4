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


def test_shipped_lexicon_records_a_source_for_every_reading() -> None:
    """Issue 17: 200-300 entries news needs, each reading with where it comes from."""
    from audiobook.text.lexicon import load_lexicon

    entries = load_lexicon().entries
    assert 200 <= len(entries) <= 300
    assert all(e.source for e in entries), [e.word for e in entries if not e.source]
    assert all(e.pinyin for e in entries)


def test_lexicon_readings_reach_the_offline_voice() -> None:
    from audiobook.text.polyphones import choices

    found = {c.word: (c.pinyin, c.source) for c in choices("记者从东莞和亳州发回报道。")}
    assert found["东莞"] == (("dong1", "guan3"), "lexicon")
    assert found["亳州"] == (("bo2", "zhou1"), "lexicon")
