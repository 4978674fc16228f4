from __future__ import annotations

from pathlib import Path

from audio_helpers import tone
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp3 import MP3

from audiobook.audio import assemble
from audiobook.models import Chapter, Segment
from audiobook.publish.id3 import read_chapters, write_tags


def _mp3(tmp_path: Path) -> Path:
    out = tmp_path / "e.mp3"
    segs = [Segment(0, 0, "a", "a", True)]
    assemble([tone(0.5)], segs, ["t"], out)
    return out


def test_tags_and_chapters_round_trip(tmp_path: Path) -> None:
    path = _mp3(tmp_path)
    chapters = [Chapter("导语", 0.3, 10.0), Chapter("一、开始", 10.0, 20.5)]
    write_tags(
        path, title="标题 <&>", artist="本报记者 林晓雯", album="节目", date="2026-11-25",
        language="zh-CN", chapters=chapters,
    )  # fmt: skip
    tags = ID3(path)
    assert tags.version == (2, 4, 0)
    assert str(tags["TIT2"]) == "标题 <&>"
    assert str(tags["TPE1"]) == "本报记者 林晓雯"
    assert str(tags["TALB"]) == "节目"
    assert str(tags["TLAN"]) == "chi"
    toc = tags.getall("CTOC")[0]
    assert toc.child_element_ids == ["chp0", "chp1"]
    assert read_chapters(path) == chapters
    assert MP3(path).info.channels == 1


def test_many_chapters_nest_tocs(tmp_path: Path) -> None:
    path = _mp3(tmp_path)
    chapters = [Chapter(f"第{i}章", i, i + 1) for i in range(300)]
    write_tags(path, title="书", artist="a", album="b", date="2026", language="zh",
               chapters=chapters)  # fmt: skip
    tags = ID3(path)
    assert all(len(t.child_element_ids) <= 255 for t in tags.getall("CTOC"))
    assert read_chapters(path) == chapters


def _tocs(path: Path) -> dict[str, tuple[str, list[str], bool]]:
    tocs = ID3(path).getall("CTOC")
    return {
        t.element_id: (str(t.sub_frames.getall("TIT2")[0]), list(t.child_element_ids),
                       bool(t.flags & CTOCFlags.TOP_LEVEL))
        for t in tocs
    }  # fmt: skip


def test_tables_of_contents_mirror_heading_levels(tmp_path: Path) -> None:
    path = _mp3(tmp_path)
    plan = [("前言", 1), ("第一章", 1), ("第一节", 2), ("第二节", 2), ("小节", 3), ("第二章", 1)]
    chapters = [Chapter(t, i, i + 1, level) for i, (t, level) in enumerate(plan)]
    write_tags(path, title="书", artist="a", album="b", date="2026", language="zh",
               chapters=chapters)  # fmt: skip
    tocs = _tocs(path)
    top = [k for k, (_t, _c, is_top) in tocs.items() if is_top]
    assert top == ["toc"]
    by_title = {title: children for title, children, _ in tocs.values()}
    # A chapter with sub-chapters is a table: its own marker first, then its children.
    assert by_title["书"][0] == "chp0" and by_title["书"][2] == "chp5"
    chapter_one = by_title["第一章"]
    assert chapter_one[:2] == ["chp1", "chp2"]
    assert by_title["第二节"] == ["chp3", "chp4"]
    assert read_chapters(path) == [Chapter(c.title, c.start_s, c.end_s) for c in chapters]


def test_wide_levels_nest_beyond_255_children(tmp_path: Path) -> None:
    path = _mp3(tmp_path)
    chapters = [Chapter("第一卷", 0, 1, 1)]
    chapters += [Chapter(f"第{i}章", i + 1, i + 2, 2) for i in range(600)]
    chapters += [Chapter("第二卷", 700, 701, 1)]
    write_tags(path, title="书", artist="a", album="b", date="2026", language="zh",
               chapters=chapters)  # fmt: skip
    tocs = _tocs(path)
    assert all(len(children) <= 255 for _t, children, _top in tocs.values())
    assert [t for t, _c, top in tocs.values() if top] == ["书"]
    assert "第一卷 (1)" in {t for t, _c, _top in tocs.values()}
    assert [c.title for c in read_chapters(path)] == [c.title for c in chapters]
