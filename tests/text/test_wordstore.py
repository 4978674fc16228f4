"""The memory-mapped dictionary store: jieba's segmentation and numbers, opened in milliseconds."""

from __future__ import annotations

from array import array
from pathlib import Path

import jieba
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.text import analysis, wordstore

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = [*sorted((ROOT / "tests" / "fixtures").rglob("*.txt")), ROOT / "examples" / "jianfu.txt"]


@pytest.fixture(scope="module")
def reference() -> jieba.Tokenizer:
    """jieba as it ships: its own dictionary, loaded into its own dict."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_segments_exactly_as_jieba_does(path: Path, reference: jieba.Tokenizer) -> None:
    text = analysis.shadow(path.read_text("utf-8"))
    assert list(analysis.cut(text)) == list(reference.cut(text, HMM=True))


#: Common characters (so the text makes words jieba knows) plus a few rare ones and breaks.
COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能"
    "下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实"
    "记者凤凰平湖市镇政府委员会解放军龘靐，。 1a"
)
HAN = st.text(st.sampled_from(COMMON), max_size=60)


@settings(max_examples=200, deadline=None)
@given(HAN)
def test_segments_any_han_text_as_jieba_does(reference: jieba.Tokenizer, text: str) -> None:
    assert list(analysis.cut(text)) == list(reference.cut(text, HMM=True))


def test_frequencies_are_jiebas(reference: jieba.Tokenizer) -> None:
    words = wordstore.store().words
    for word in ("中国", "记者", "的", "凤凰", "平湖市"):
        assert words.get(word) == reference.FREQ[word] > 0
    assert "凤" in reference.FREQ and reference.FREQ.get("中国人民解") == 0
    assert words.get("中国人民解") is None  # a prefix, not a word: jieba counts it as 0
    assert wordstore.store().total == reference.total


def test_a_table_is_a_read_only_mapping() -> None:
    table = wordstore.Table.build({"甲": 3, "甲乙": 5, "丙": 0}, "q")
    assert len(table) == 3 and sorted(table) == ["丙", "甲", "甲乙"]
    assert table["甲乙"] == 5 and table.get("丁") is None and table.get("丁", 7) == 7
    assert "甲" in table and "丁" not in table and 3 not in table
    assert table.prefixes("甲乙丙") == ["甲", "甲乙"]
    with pytest.raises(KeyError):
        table["丁"]


def test_the_store_is_built_once_then_opened_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    wordstore.release()
    try:
        built = wordstore.store()
        folder = wordstore.cache_folder()
        assert folder is not None and folder.parent == tmp_path / "audiobook"
        assert sorted(p.name for p in folder.iterdir()) == [
            "bigram.marisa", "bigram.values", "tables", "words.marisa", "words.values",
        ]  # fmt: skip
        wordstore.release()
        opened = wordstore.store()
        assert opened is not built
        assert opened.total == built.total and opened.longest == built.longest
        assert opened.words.get("记者") == built.words.get("记者")
        assert opened.bigram.get("记者") == built.bigram.get("记者")
        assert opened.unigram == built.unigram and opened.ends == built.ends
    finally:
        wordstore.release()


def test_a_damaged_store_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    wordstore.release()
    try:
        good = wordstore.store().words.get("记者")
        folder = wordstore.cache_folder()
        assert folder is not None
        values = array("q", (folder / "words.values").read_bytes())
        (folder / "words.values").write_bytes(values[:-1].tobytes())  # one value short
        wordstore.release()
        assert wordstore.store().words.get("记者") == good
        wordstore.release()
        assert wordstore._open(folder).words.get("记者") == good  # the cache was replaced
    finally:
        wordstore.release()


def test_an_unwritable_cache_still_gives_a_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker / "cache"))  # mkdir fails, even for root
    wordstore.release()
    try:
        assert wordstore.store().words.get("记者")
        assert blocker.read_text() == ""
    finally:
        wordstore.release()
