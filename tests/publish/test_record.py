"""The episode record on disk: old ``episodes.json`` files still load, typed; a damaged or
hand-broken one is one line and a non-zero exit on every command that reads it, and is
never written over."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import html
from typer.testing import CliRunner

from audiobook.cli import app
from audiobook.errors import RecordError
from audiobook.models import ArticleNote, Chapter, Cue, EpisodeFiles, EpisodeRecord
from audiobook.publish.daisy import book_from_record
from audiobook.publish.feed import render_feed
from audiobook.publish.page import render_page
from audiobook.publish.record import read_store, record_to_json, store_bytes
from audiobook.publish.settings import FeedSettings
from audiobook.publish.store import Store

runner = CliRunner()

#: An episode as the first versions wrote it: no levels, cues, files, articles or keys.
OLDEST = {
    "id": "old", "guid": "urn:uuid:1", "title": "旧的一篇", "mp3": "episodes/old.mp3",
    "bytes": 1000, "duration_s": 20.5, "pub_date": "2026-11-20T08:00:00+00:00",
    "engine": "espeak", "voice": "espeak-ng:cmn", "byline": None, "source": "a.txt",
    "updated": None,
    "chapters": [{"title": "导语", "start_s": 0.3, "end_s": 10.0},
                 {"title": "一、后来", "start_s": 10, "end_s": 20.5}],
}  # fmt: skip
#: As versions before this one wrote it: files by kind (the MP3 among them), cues without
#: their chapter (times only), an edition's notes.
OLDER = {
    **OLDEST, "id": "older", "guid": "urn:uuid:2", "mp3": "episodes/older.mp3",
    "files": {"mp3": "episodes/older.mp3", "chapters": "episodes/older.chapters.json",
              "vtt": "episodes/older.vtt"},
    "cues": [{"text": "第一句。", "start_s": 0.3, "end_s": 4.0},
             {"text": "第二句。", "start_s": 4.2, "end_s": 9.9, "fallback": True},
             {"text": "第三句。", "start_s": 10.0, "end_s": 20.0}],
    "articles": [{"title": "甲", "link": "https://example.org/a"}, {"title": "乙", "link": None}],
    "article": "file:/tmp/a.txt", "some_future_key": [1, 2],
}  # fmt: skip


def _store(out: Path, episodes: list[Any]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "episodes.json"
    path.write_text(json.dumps({"version": 1, "episodes": episodes}, ensure_ascii=False))
    return path


def test_old_store_files_load_typed(tmp_path: Path) -> None:
    _store(tmp_path, [OLDEST, OLDER])
    oldest, older = Store(tmp_path).episodes()
    assert oldest.chapters == (Chapter("导语", 0.3, 10.0, 1), Chapter("一、后来", 10.0, 20.5, 1))
    assert oldest.cues == () and oldest.files == EpisodeFiles() and oldest.articles == ()
    assert isinstance(oldest.chapters[1].start_s, float)
    assert dict(older.files) == OLDER["files"]
    # Cues written before they kept their chapter get it from the chapter times, once.
    assert [c.section for c in older.cues] == [0, 0, 1]
    assert [c.fallback for c in older.cues] == [False, True, False]
    assert older.articles == (ArticleNote("甲", "https://example.org/a"), ArticleNote("乙"))
    # Every reader takes them as they are.
    feed = feedparser.parse(render_feed(FeedSettings(), [oldest, older]))
    assert not feed.bozo and len(feed.entries) == 2
    assert "00:10 一、后来" in feed.entries[0].description
    page = html.fromstring(render_page(FeedSettings(), [oldest, older]))
    assert "第二句。" in page.text_content()
    book = book_from_record(older, publisher="p")
    assert book.section_titles == ("导语", "一、后来") and book.cues == older.cues


def test_a_record_round_trips_and_keeps_each_cues_chapter(tmp_path: Path) -> None:
    record = EpisodeRecord(
        id="x", guid="g", title="t", mp3="episodes/x.mp3", bytes=1, duration_s=3.0,
        pub_date="2026-11-20T08:00:00+00:00", engine="espeak", voice="v",
        chapters=(Chapter("甲", 0.0, 1.0), Chapter("乙", 1.0, 3.0, 2)),
        # The second cue starts before its chapter's time: its stored chapter stands.
        cues=(Cue("一", 0.1, 0.9, 0), Cue("二", 0.95, 2.0, 1, fallback=True)),
        files=EpisodeFiles(vtt="episodes/x.vtt", m4b="episodes/x.m4b"),
        articles=(ArticleNote("甲", None),),
    )  # fmt: skip
    text = store_bytes([record_to_json(record)]).decode("utf-8")
    assert read_store(text, "here") == [record]
    raw = json.loads(text)["episodes"][0]
    assert raw["cues"][1] == {"text": "二", "start_s": 0.95, "end_s": 2.0, "section": 1,
                              "fallback": True}  # fmt: skip
    assert raw["files"] == {"vtt": "episodes/x.vtt", "m4b": "episodes/x.m4b"}


def _broken(**change: Any) -> dict[str, Any]:
    return {**OLDER, **change}


DAMAGED = [
    ("{not json", "not JSON"),
    ('{"version": 1}', "episodes"),
    ('{"version": 1, "episodes": {}}', "episodes"),
    ('{"version": 1, "episodes": [7]}', "must be an object"),
    (_broken(bytes="12"), "bytes"),
    (_broken(bytes=True), "bytes"),
    (_broken(duration_s="long"), "duration_s"),
    (_broken(title=None), "title"),
    ({k: v for k, v in OLDER.items() if k != "guid"}, "guid"),
    (_broken(chapters="导语"), "chapters"),
    (_broken(chapters=[{"title": "导语", "start_s": "0.3", "end_s": 1}]), "start_s"),
    (_broken(chapters=[{"title": "导语", "start_s": 0.3, "end_s": 1, "level": 0}]), "level"),
    (_broken(cues=[{"text": "句", "start_s": 1, "end_s": 2, "section": 5}]), "section"),
    (_broken(cues=[{"text": 3, "start_s": 1, "end_s": 2}]), "text"),
    (_broken(cues=[{"text": "句", "start_s": 1, "end_s": 2, "fallback": "yes"}]), "fallback"),
    (_broken(files={"vtt": 3}), "files.vtt"),
    (_broken(files={"mp4": "episodes/x.mp4"}), "mp4"),
    (_broken(files=["episodes/x.vtt"]), "files"),
    (_broken(articles=[{"title": "甲", "link": 5}]), "link"),
]


def _write(out: Path, damage: Any) -> Path:
    if isinstance(damage, str):
        out.mkdir(parents=True, exist_ok=True)
        (out / "episodes.json").write_text(damage)
        return out / "episodes.json"
    return _store(out, [OLDEST, damage])


@pytest.mark.parametrize(("damage", "word"), DAMAGED)
def test_a_damaged_store_is_a_record_error_naming_the_key(
    damage: Any, word: str, tmp_path: Path
) -> None:
    _write(tmp_path, damage)
    with pytest.raises(RecordError) as caught:
        Store(tmp_path).episodes()
    message = str(caught.value)
    assert word in message and "\n" not in message
    assert str(tmp_path / "episodes.json") in message


def test_a_store_that_is_not_utf8_is_a_record_error(tmp_path: Path) -> None:
    (tmp_path / "episodes.json").write_bytes(b'{"version": 1, "episodes": ["\xff"]}')
    with pytest.raises(RecordError, match="not UTF-8"):
        Store(tmp_path).episodes()


@pytest.mark.parametrize(
    "command",
    [("feed", "list"), ("feed", "set", "title", "新"), ("feed", "remove", "old"),
     ("daisy", "old"), ("epub", "old"), ("m4b", "old")],
)  # fmt: skip
@pytest.mark.parametrize(("damage", "word"), [DAMAGED[0], DAMAGED[10]])
def test_commands_on_a_damaged_store_say_one_line_and_change_nothing(
    command: tuple[str, ...], damage: Any, word: str, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    assert runner.invoke(app, ["feed", "init", "-o", str(out), "-y"]).exit_code == 0
    path = _write(out, damage)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    result = runner.invoke(app, [*command, "-o", str(out)])
    assert result.exit_code == RecordError.exit_code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and word in lines[0], lines
    assert "Traceback" not in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert path.read_bytes() == before["episodes.json"]
