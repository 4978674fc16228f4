"""DOCX and EPUB input, on files built in the tests with python-docx and ebooklib."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import docx
import pytest
from ebooklib import epub
from typer.testing import CliRunner

from audiobook.cli import app
from audiobook.errors import InputError
from audiobook.inputs import load
from audiobook.pipeline import prepare

runner = CliRunner()


def make_docx(path: Path, *, with_title: bool = True) -> Path:
    document = docx.Document()
    if with_title:
        document.add_paragraph("街道工作备忘", style="Title")
    document.add_paragraph("本周街道办共收到居民来信二十封，大部分与停车有关。")
    document.add_heading("一周来信", level=1)
    document.add_paragraph("来信主要集中在老旧小区的停车位不足问题。")
    document.add_heading("停车问题", level=2)
    document.add_paragraph("街道计划与附近商场协商，夜间开放地下车库。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "小区"
    table.cell(0, 1).text = "来信数"
    table.cell(1, 0).text = "东园"
    table.cell(1, 1).text = "八封"
    document.add_heading("下周安排", level=1)
    document.add_paragraph("下周三召开居民议事会，听取大家的意见。")
    document.save(path)
    return path


def make_epub(path: Path) -> Path:
    book = epub.EpubBook()
    book.set_identifier("test-book")
    book.set_title("山城故事")
    book.set_language("zh")
    book.add_author("李四")
    chapters = []
    texts = {
        "c1": ("第一部 春", "<p>春天来了，山城的雾慢慢散去。</p>"),
        "c2": (
            "第一章 雾",
            "<h2>第一章 雾</h2><p>清晨的雾很浓，人们走得很慢。</p>"
            "<h3 id='s2'>码头</h3><p>码头上的船工已经开始忙碌。</p>"
            "<figure><img src='x.png'/><figcaption>图为码头。</figcaption></figure>",
        ),
        "c3": ("第二章 桥", "<p>新桥通车那天，全城的人都来看。</p>"),
    }
    for key, (title, body) in texts.items():
        chapter = epub.EpubHtml(title=title, file_name=f"{key}.xhtml", lang="zh")
        chapter.content = f"<html><body>{body}</body></html>"
        book.add_item(chapter)
        chapters.append(chapter)
    book.toc = [
        (epub.Section("第一部 春", href="c1.xhtml"), [
            (epub.Section("第一章 雾", href="c2.xhtml"), [epub.Link("c2.xhtml#s2", "码头", "s2")]),
            epub.Link("c3.xhtml", "第二章 桥", "c3"),
        ]),
    ]  # fmt: skip
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *chapters]
    epub.write_epub(str(path), book)
    return path


def test_docx_headings_are_chapters(tmp_path: Path) -> None:
    prepared = prepare(make_docx(tmp_path / "memo.docx"))
    article = prepared.article
    assert article.title == "街道工作备忘"
    assert [(s.title, s.level) for s in article.sections] == [
        ("街道工作备忘", 1), ("一周来信", 1), ("停车问题", 2), ("下周安排", 1),
    ]  # fmt: skip
    assert "东园，八封" in article.sections[2].text


def test_docx_without_title_reads_its_first_heading_as_title(tmp_path: Path) -> None:
    path = tmp_path / "memo.docx"
    document = docx.Document()
    document.add_heading("通知", level=1)
    document.add_paragraph("明天停水一天。")
    document.save(path)
    assert prepare(path).article.title == "通知"


def test_epub_chapters_come_from_its_navigation_nested(tmp_path: Path) -> None:
    path = make_epub(tmp_path / "book.epub")
    result = runner.invoke(app, ["sections", str(path), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["title"] == "山城故事"
    assert payload["byline"] == "作者：李四"
    assert [s["level"] for s in payload["sections"]] == [1, 2, 3, 2]
    prepared = prepare(path)
    assert [(s.title, s.level) for s in prepared.article.sections] == [
        ("第一部 春", 1), ("第一章 雾", 2), ("码头", 3), ("第二章 桥", 2),
    ]  # fmt: skip
    text = json.dumps(payload, ensure_ascii=False)
    assert "码头上的船工" in text and "图为码头" not in text
    assert text.count("第一章 雾") == 1  # the chapter's own <h2> is not read twice


def test_a_renamed_docx_is_still_a_docx(tmp_path: Path) -> None:
    renamed = tmp_path / "memo.txt"
    renamed.write_bytes(make_docx(tmp_path / "memo.docx").read_bytes())
    assert load(renamed).encoding == "docx"


@pytest.mark.parametrize("kind", ["zip", "docx", "epub"])
def test_bad_containers_are_one_line_errors(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"bad.{kind}"
    with zipfile.ZipFile(path, "w") as archive:
        if kind == "docx":
            archive.writestr("word/document.xml", "<not xml")
        elif kind == "epub":
            archive.writestr("mimetype", "application/epub+zip")
        else:
            archive.writestr("a.txt", "x")
    with pytest.raises(InputError):
        load(path)
    result = runner.invoke(app, ["sections", str(path)])
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    expected = {"zip": "neither a Word document nor an EPUB", "docx": "not a readable Word",
                "epub": "not a readable EPUB"}[kind]  # fmt: skip
    assert result.output.startswith(f"error: {path}: ") and expected in result.output


def test_truncated_zip(tmp_path: Path) -> None:
    path = tmp_path / "cut.docx"
    path.write_bytes(make_docx(tmp_path / "memo.docx").read_bytes()[:500])
    result = runner.invoke(app, ["sections", str(path)])
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert result.output.startswith(f"error: {path}: a damaged ZIP file")


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["docx", "epub"])
def test_build(tmp_path: Path, kind: str) -> None:
    path = make_docx(tmp_path / "memo.docx") if kind == "docx" else make_epub(tmp_path / "b.epub")
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["build", str(path), "--engine", "espeak", "-o", str(out), "--json", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    chapters = json.loads(result.stdout)["episode"]["chapters"]
    want = {"docx": ["街道工作备忘", "一周来信", "停车问题", "下周安排"],
            "epub": ["第一部 春", "第一章 雾", "码头", "第二章 桥"]}[kind]  # fmt: skip
    assert [c["title"] for c in chapters] == want
    assert max(c["level"] for c in chapters) >= 2


def test_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    # 250 MB of zeros, streamed at the fastest compression level (a quarter of the time).
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("word/document.xml", "w") as member,
    ):
        for _ in range(250):
            member.write(b"\0" * 2**20)
    result = runner.invoke(app, ["sections", str(path)])
    assert result.exit_code == 2 and "too large" in result.output, result.output
