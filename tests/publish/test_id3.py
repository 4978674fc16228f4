from __future__ import annotations

from pathlib import Path

from audio_helpers import tone
from mutagen.id3 import ID3
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
