from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from audio_helpers import tone
from daisy_checks import check_fileset

from audiobook.audio import assemble
from audiobook.models import Segment
from audiobook.publish.daisy import Book, write_daisy


def test_fileset_follows_daisy_202(tmp_path: Path) -> None:
    plan = [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 0)]
    segs = [Segment(s, i, f"第{s}节第{i}句。", f"第{s}节第{i}句。") for s, i in plan]
    titles = ("导语", "一、开始", "二、继续")
    mp3 = tmp_path / "e.mp3"
    done = assemble([tone(0.6)] * len(segs), segs, titles, mp3)
    book = Book(
        identifier="urn:uuid:1234", title="有声书 <测试> & 标题", creator="本报记者 张三",
        publisher="audiobook", date="2026-11-25", language="zh-CN", section_titles=titles,
        section_levels=(1, 1, 1), cues=done.cues, duration_s=done.duration_s,
    )  # fmt: skip
    archive = write_daisy(book, mp3, tmp_path / "book.daisy")
    found = check_fileset(tmp_path / "book.daisy")
    assert found["headings"] == ["有声书 <测试> & 标题", *titles]
    assert len(found["clips"]) == len(segs)
    with zipfile.ZipFile(archive) as z:
        assert "book.daisy/ncc.html" in z.namelist()
    # rewriting replaces the fileset whole
    write_daisy(book, mp3, tmp_path / "book.daisy")
    check_fileset(tmp_path / "book.daisy")


@pytest.mark.slow
def test_seed_article_edition(seed_article: Path, tmp_path: Path) -> None:
    """The issue's bar: the seed's DAISY headings are its sections, every sentence a clip."""
    import json

    from typer.testing import CliRunner

    from audiobook.cli import app

    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["build", str(seed_article), "-o", str(out), "--engine", "espeak", "--daisy", "--json",
         "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    episode = json.loads(result.stdout)["episode"]
    mp3 = Path(episode["mp3"])
    found = check_fileset(mp3.with_name(mp3.stem + ".daisy"))
    sections = [c["title"] for c in episode["chapters"]]
    assert len(sections) == 4
    assert found["headings"] == [episode["title"], *sections]
    record = json.loads((out / "episodes.json").read_text("utf-8"))["episodes"][0]
    assert len(found["clips"]) == len(record["cues"]) >= 50


def test_heading_levels_mirror_a_book(tmp_path: Path) -> None:
    """A book's 章/节 become h1/h2 in the ncc, in order, each linking into its SMIL."""
    from lxml import etree

    plan = [(0, 0), (1, 0), (2, 0), (3, 0)]
    segs = [Segment(s, i, f"第{s}句。", f"第{s}句。") for s, i in plan]
    titles = ("第一章", "第一节", "第二节", "第二章")
    mp3 = tmp_path / "e.mp3"
    done = assemble([tone(0.5)] * len(segs), segs, titles, mp3)
    book = Book(
        identifier="urn:x", title="书", creator="作者", publisher="p", date="2026-11-25",
        language="zh-CN", section_titles=titles, section_levels=(1, 2, 2, 1), cues=done.cues,
        duration_s=done.duration_s,
    )  # fmt: skip
    write_daisy(book, mp3, tmp_path / "b.daisy")
    found = check_fileset(tmp_path / "b.daisy")
    assert found["headings"] == ["书", *titles]
    ncc = etree.parse(str(tmp_path / "b.daisy" / "ncc.html"))
    tags = [etree.QName(e).localname for e in ncc.xpath("//*[local-name()='body']/*")]
    assert tags == ["h1", "h1", "h2", "h2", "h1"]
