from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pypinyin
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin.constants import PHRASES_DICT

from audiobook.publish import pinyin
from audiobook.publish.slug import MAX_SLUG, slugify


def reference(text: str) -> list[str]:
    return pypinyin.lazy_pinyin(text, errors=lambda chars: [chars])


# Phrases that overlap and nest (银行/行长, 中国/中国人/国人) and characters with several readings
# (重, 行, 长, 乐, 还), so the cut and the first readings are both put to the test.
_PHRASES = ["银行", "行长", "中国", "中国人", "重庆", "长城", "音乐", "还是", "绿色", "女儿"]
_PIECES = [*"重行长乐还的了中国人银庆城音绿女儿〇㐀𠀀", *_PHRASES, " ", "A1", "，", "：", "-", "é"]


@pytest.fixture(scope="module")
def sampled_phrases() -> list[str]:
    every = sorted(PHRASES_DICT)
    return every[:: max(1, len(every) // 300)]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "社区干部，腾出手干实事",
        "重庆银行行长说：绿色 2026 年",
        "〇",
        "A股和B股",
        "中国人民银行",
        "长长长长",
        "行行行",
        "😀中文😀",
    ],
)
def test_same_syllables_as_pypinyin(text: str) -> None:
    assert pinyin.lazy_pinyin(text) == reference(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join))
def test_same_as_pypinyin_on_mixed_text(text: str) -> None:
    assert pinyin.lazy_pinyin(text) == reference(text)


def test_same_as_pypinyin_on_its_own_phrases(sampled_phrases: list[str]) -> None:
    """Phrases from pypinyin's dictionary, alone and run together (so one's end can start
    another), read the same."""
    for a, b in itertools.pairwise(sampled_phrases):
        for text in (a, a + b):
            assert pinyin.lazy_pinyin(text) == reference(text), text


_SOME_PHRASES = sorted(PHRASES_DICT)[::200]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_SOME_PHRASES) | st.sampled_from(_PIECES), max_size=6).map("".join))
def test_same_as_pypinyin_where_dictionary_phrases_run_together(text: str) -> None:
    assert pinyin.lazy_pinyin(text) == reference(text)


def test_the_store_is_built_once_then_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    pinyin._store.cache_clear()
    try:
        folder = pinyin.cache_folder()
        assert folder is not None and not folder.exists()
        assert pinyin.lazy_pinyin("重庆") == ["chong", "qing"]
        assert folder.is_dir()
        stamp = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
        pinyin._store.cache_clear()
        assert pinyin.lazy_pinyin("银行行长") == ["yin", "hang", "hang", "zhang"]
        assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == stamp  # opened
    finally:
        pinyin._store.cache_clear()


def test_a_damaged_store_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    pinyin._store.cache_clear()
    try:
        pinyin.lazy_pinyin("中")
        folder = pinyin.cache_folder()
        assert folder is not None
        (folder / "phrases.marisa").write_bytes(b"not a trie")
        pinyin._store.cache_clear()
        assert pinyin.lazy_pinyin("中国人") == ["zhong", "guo", "ren"]
    finally:
        pinyin._store.cache_clear()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_an_unwritable_cache_still_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tmp_path.chmod(0o500)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "nope"))
    pinyin._store.cache_clear()
    try:
        assert pinyin.lazy_pinyin("音乐") == ["yin", "yue"]
    finally:
        pinyin._store.cache_clear()
        tmp_path.chmod(0o700)


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("社区干部，腾出手干实事", "she-qu-gan-bu-teng-chu-shou-gan-shi-shi"),
        ("重庆银行行长：2026 年报告", "chong-qing-yin-hang-hang-zhang-2026-nian-bao-gao"),
        ("../../etc/passwd", "etc-passwd"),
        ("😀😀", "episode"),
    ],
)
def test_slugs(title: str, slug: str) -> None:
    assert slugify(title) == slug


@given(st.text(max_size=80))
def test_a_slug_is_always_a_safe_file_name(title: str) -> None:
    slug = slugify(title)
    assert slug and len(slug) <= MAX_SLUG
    assert set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert not slug.startswith("-") and not slug.endswith("-")


def test_with_the_store_built_pypinyin_is_never_imported() -> None:
    """The point of the store: a build names its episode without pypinyin's 55 MB."""
    from episode_builds import ROOT, env

    code = (
        "import sys; from audiobook.publish.slug import slugify; "
        "print(slugify('重庆银行'), 'pypinyin' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env(), cwd=ROOT,
        check=True,
    )  # fmt: skip
    assert proc.stdout.split() == ["chong-qing-yin-hang", "False"]
