"""The spliced-passage detector: what it removes, what it only reports, and on real news nothing.

Recall on synthetic splices is measured by ``bench/front_end.py`` (a figure, not a test); these
tests pin the behaviour on examples written for them and, where the shared corpus is present,
the zero-damage bar on real clean news.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from audiobook.text import splice, splice_model
from audiobook.text.clean import clean
from tests.text.conftest import news_fixtures

NEWS = """老旧小区改造提速
本报记者 陈立
市政府今天召开新闻发布会，介绍城市更新工作进展。市住房和城乡建设委员会副主任王立新表示，今年全市计划改造老旧小区一百二十个，惠及居民三万余户。
目前已有八十个小区开工，改造内容包括加装电梯、更新管网和整治绿化。住房和城乡建设委员会还将组织专家定期检查工程质量，确保改造工程按期完工。
王立新介绍，改造前，街道和社区会逐户征求居民意见，把居民最关心的问题列入改造清单。对于加装电梯等需要居民出资的项目，市里将给予每台二十万元的补贴。
"""
ROMANCE = (
    "她低着头不说话，我知道她心里还在怪我，那天晚上我本该早点回家的，"
    "可是我却在雨里站了整整一个小时，你说我是不是傻"
)
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "news"


def _splice(text: str, after: str, passage: str) -> tuple[str, int]:
    at = text.index(after) + len(after)
    return text[:at] + passage + text[at:], at


def test_a_passage_cut_into_a_word_is_removed_at_its_exact_edges() -> None:
    spliced, at = _splice(NEWS, "建设委", ROMANCE)  # 委|员会
    result = clean(spliced)
    assert [(r.rule, r.start, r.end) for r in result.removals] == [
        ("splice", at, at + len(ROMANCE))
    ]
    assert result.text == NEWS


def test_the_same_passage_between_two_sentences_breaks_no_word_and_stays() -> None:
    # No word is broken, so there is no evidence of a cut: the passage is kept.
    spliced, _ = _splice(NEWS, "三万余户。", ROMANCE)
    assert not [r for r in clean(spliced).removals if r.rule == "splice"]


def test_the_article_alone_loses_nothing() -> None:
    result = clean(NEWS)
    assert result.removals == () and result.suspects == ()


def test_weak_evidence_is_reported_as_suspect_and_kept_unless_dropped(monkeypatch) -> None:
    spliced, at = _splice(NEWS, "建设委", ROMANCE)
    # Raise the removal bar above this passage's evidence: it is then only a suspect.
    monkeypatch.setattr(splice, "REMOVE_GAIN", 99.0)
    splice.analyse.cache_clear()
    kept = clean(spliced)
    assert kept.text == spliced
    assert [(r.rule, r.start, r.end) for r in kept.suspects] == [("suspect", at, at + len(ROMANCE))]
    dropped = clean(spliced, drop=["suspect"])
    assert dropped.text == NEWS
    assert [r.rule for r in dropped.removals] == ["suspect"]
    assert dropped.suspects == ()
    splice.analyse.cache_clear()


def test_a_number_and_its_measure_word_rejoined_needs_the_passage_style_too() -> None:
    text = NEWS.replace("一百二十个", "120个")
    spliced, _ = _splice(text, "计划改造老旧小区12", "0" + ROMANCE[:-1])
    # "120个" cut as 12|0…|个 : inside a number is never a seam.
    assert not [r for r in clean(spliced).removals if r.rule == "splice"]


@pytest.mark.parametrize("path", news_fixtures(), ids=lambda p: p.name)
def test_no_candidate_is_removable_in_the_news_fixtures(path: Path) -> None:
    assert splice.detect(path.read_text("utf-8")) == []


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not here")
def test_real_clean_news_loses_nothing_sampled() -> None:
    """Every tenth article of the shared clean news, as is and in the other script (the whole
    corpus is measured by bench/front_end.py)."""
    import opencc

    for path in sorted(CORPUS.glob("*.txt"))[::10]:
        text = path.read_text("utf-8")
        other = opencc.OpenCC("t2s" if path.name.startswith(("hkc", "apple")) else "s2t")
        for body in (text, other.convert(text)):
            assert splice.detect(body) == [], path.name


def test_quotes_left_unpaired_by_a_cut_are_counted_per_paragraph() -> None:
    text = "上一段“完整”。\n他说：“今年很好。”又说“我们家少爷”来了\n下一段。"
    quotes = splice_model.Quotes(text)
    cut = text.index("又")
    assert quotes.imbalance(cut, cut) == 0
    assert quotes.imbalance(cut, cut + 7) == 1  # leaves “ without its ”
    assert quotes.imbalance(cut + 1, text.index("来了")) == 0
