"""HTML input: the article a reader sees, in any declared charset, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audiobook.cli import app
from audiobook.errors import InputError
from audiobook.inputs import from_bytes, load
from audiobook.inputs.html import RULE
from audiobook.pipeline import prepare
from tests.inputs.pages import FURNITURE_WORDS, breaks, cms, simplified, traditional

runner = CliRunner()


def sections(path: Path | str, stdin: bytes | None = None) -> dict:
    result = runner.invoke(app, ["sections", str(path), "--json"], input=stdin)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def spoken(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False)


@pytest.mark.parametrize("charset", ["utf-8", "gb2312", "gbk"])
def test_simplified_page_keeps_headline_byline_subheadings_and_paragraphs(
    tmp_path: Path, charset: str
) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(simplified(charset))
    payload = sections(page)
    assert payload["title"] == "社区图书馆开出“深夜书房”"
    assert payload["byline"] == "记者 张明"
    titles = [s["title"] for s in payload["sections"]]
    assert titles == ["社区图书馆开出“深夜书房”", "下班后的读书时间", "更多服务在路上", "自助借还"]
    assert "开放首周，到馆读者超过两千人次。" in payload["sections"][0]["text"]
    assert "亲子阅读角" in payload["sections"][-1]["text"]
    text = spoken(payload)
    for word in FURNITURE_WORDS:
        assert word not in text, word


@pytest.mark.parametrize("charset", ["big5", "utf-8"])
def test_traditional_page_is_read_in_its_declared_charset_and_converted(
    tmp_path: Path, charset: str
) -> None:
    page = tmp_path / "page.htm"
    page.write_bytes(traditional(charset))
    payload = sections(page)
    assert payload["title"] == "偏乡小学的电脑课"
    assert payload["byline"] == "记者 陈美玲"
    assert [s["title"] for s in payload["sections"]] == ["偏乡小学的电脑课", "志工轮流上山"]
    text = spoken(payload)
    assert "程式设计" in text or "程序设计" in text
    for word in ("首页", "分享至", "图为", "点击排行", "延伸阅读", "政治", "另一所学校"):
        assert word not in text, word


def test_page_on_stdin_or_named_txt_is_still_a_page(tmp_path: Path) -> None:
    assert sections("-", stdin=simplified("gbk"))["title"] == "社区图书馆开出“深夜书房”"
    disguised = tmp_path / "saved.txt"
    disguised.write_bytes(simplified())
    assert sections(disguised)["byline"] == "记者 张明"


def test_what_extraction_dropped_is_on_the_record(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(simplified("gb2312"))
    prepared = prepare(page)
    dropped = [r.text for r in prepared.cleaned.removals if r.rule == RULE]
    assert "首页" in dropped
    assert "这个好，点赞！支持社区图书馆的做法。" in dropped
    assert any(d.startswith("图为读者") for d in dropped)
    assert not any("志愿者和工作人员" in d for d in dropped)
    for removal in prepared.cleaned.removals:
        if removal.rule == RULE:
            assert removal.start == removal.end <= len(prepared.document.text)
    assert prepared.document.encoding == "gb18030"
    result = runner.invoke(app, ["clean", str(page), "--diff"])
    assert result.exit_code == 0
    assert "[html-extraction]" in result.stdout and "[-网友评论-]" in result.stdout


def test_a_wrong_declaration_falls_back_to_what_the_bytes_are() -> None:
    # Declared gb2312, saved as UTF-8: a common mistake of hand-edited pages.
    data = simplified("utf-8").replace(b'charset="utf-8"', b'charset="gb2312"')
    document = from_bytes(data, "page.html")
    assert "深夜书房" in document.text and document.encoding == "utf-8"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><head><title>x</title></head><body></body></html>", "no text"),
        (b"<html><body><nav><a>\xe9\xa6\x96\xe9\xa1\xb5</a></nav></body></html>", "no article"),
        (b"<html><body>" + b"<div>" * 50000 + b"\xe6\x96\x87" + b"</div>" * 50000, "."),
        (b"<!DOCTYPE html>\x00\x01\x02\x03" * 100, "binary"),
        (b"\x89PNG\r\n\x1a\n\x01\x02\x03\x04\x05\x06\x07\x08" * 50, "binary"),
    ],
)
def test_bad_pages_are_refused_with_one_line(tmp_path: Path, data: bytes, message: str) -> None:
    page = tmp_path / "bad.html"
    page.write_bytes(data)
    with pytest.raises(InputError, match=message):
        load(page)
    result = runner.invoke(app, ["sections", str(page)])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


@pytest.mark.slow
def test_build_of_a_page_speaks_the_article_only(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(traditional("big5"))
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["build", str(page), "--engine", "espeak", "-o", str(out), "--json", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    episode = json.loads(result.stdout)["episode"]
    assert episode["title"] == "偏乡小学的电脑课"
    assert [c["title"] for c in episode["chapters"]] == ["偏乡小学的电脑课", "志工轮流上山"]
    record = json.loads(next((out / "episodes").glob("*.build.json")).read_text("utf-8"))
    assert record["encoding"] == "big5hkscs"
    assert any(r["rule"] == RULE and r["text"].startswith("分享至 Facebook")
               for r in record["removals"])  # fmt: skip
    transcript = next((out / "episodes").glob("*.vtt")).read_text("utf-8")
    assert "志工团队说" in transcript
    for word in ("首页", "分享", "图为", "点击排行", "延伸阅读", "台风"):
        assert word not in transcript, word


def test_cms_page_without_semantic_tags(tmp_path: Path) -> None:
    page = tmp_path / "cms.shtml"
    page.write_bytes(cms("gbk"))
    payload = sections(page)
    assert payload["title"] == "我市启动老旧小区加装电梯试点"
    assert payload["byline"] == "作者：刘洋"
    titles = [s["title"] for s in payload["sections"]]
    assert titles == ["我市启动老旧小区加装电梯试点", "资金怎么出？", "谁来管维护？"]
    text = spoken(payload)
    assert "每部电梯财政补贴二十万元" in text
    for word in ("孙立 摄", "上一篇", "网友评论", "热点排行", "版权所有", "字号", "登录", "微信"):
        assert word not in text, word


def test_paragraphs_between_line_breaks_undeclared_big5(tmp_path: Path) -> None:
    page = tmp_path / "old.htm"
    page.write_bytes(breaks("big5"))
    payload = sections(page)
    assert payload["title"] == "台北捷运新线通车"
    text = payload["sections"][0]["text"].splitlines()
    assert [line[:6] for line in text] == ["台北捷运环状", "捷运公司表示", "有通勤族说，"]
    assert "版权所有" not in spoken(payload) and "体育" not in spoken(payload)
