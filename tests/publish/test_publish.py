"""Publishing real episodes into one folder: contents, identity, safety under failure and
concurrency. Builds run the offline voice through the CLI in subprocesses."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import feedparser
import podcastparser
import pytest
from episode_builds import EXAMPLE, build, build_args, build_command, cli, env, tiny_article
from lxml import etree
from mutagen.mp3 import MP3

from audiobook.errors import PublishError
from audiobook.publish import store as store_module
from audiobook.publish.feed import PODCAST_NS
from audiobook.publish.id3 import read_chapters
from audiobook.publish.store import Store

pytestmark = pytest.mark.slow
BASE = "https://example.org/pod"


@pytest.fixture(scope="module")
def two_episodes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample and a tiny second article built into one folder with a base URL."""
    out = tmp_path_factory.mktemp("site")
    build(EXAMPLE, out, "--base-url", BASE)
    build(tiny_article(out.parent, "second", "第二篇"), out)
    return out


def _items(folder: Path) -> list[etree._Element]:
    return etree.fromstring((folder / "feed.xml").read_bytes()).findall("channel/item")


def test_two_articles_give_two_complete_items(two_episodes: Path) -> None:
    out = two_episodes
    records = {r.id: r for r in Store(out).episodes()}
    assert len(records) == 2
    parsed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not parsed.bozo
    assert len(parsed.entries) == 2
    pod = podcastparser.parse(f"{BASE}/feed.xml", io.BytesIO((out / "feed.xml").read_bytes()))
    assert len(pod["episodes"]) == 2
    for entry, episode in zip(parsed.entries, pod["episodes"], strict=True):
        record = next(r for r in records.values() if r.guid == entry.id)
        mp3 = out / record.mp3
        assert record.mp3.isascii() and entry.enclosures[0].href.isascii()
        assert entry.enclosures[0].href == f"{BASE}/{record.mp3}"
        assert int(entry.enclosures[0].length) == mp3.stat().st_size
        assert episode["enclosures"][0]["file_size"] == mp3.stat().st_size
        # Duration from the decoded sample count, within a frame of what the MP3 says.
        assert int(entry.itunes_duration) == round(record.duration_s)
        assert abs(MP3(mp3).info.length - record.duration_s) < 0.1
        assert episode["guid"] == record.guid
        assert [c["title"] for c in episode["chapters"]] == [c.title for c in record.chapters]
        assert entry.podcast_transcript["url"] == f"{BASE}/{record.files['vtt']}"
        assert (out / record.files["vtt"]).read_text("utf-8").startswith("WEBVTT")
        assert (out / record.files["srt"]).stat().st_size > 0
        for line in (c.title for c in record.chapters):
            assert line in entry.description


def test_chapters_json_matches_id3_chapters(two_episodes: Path) -> None:
    frame_s = 1152 / 24000  # one MPEG-2 layer III frame at the offline voice's rate
    for record in Store(two_episodes).episodes():
        data = json.loads((two_episodes / record.files["chapters"]).read_text("utf-8"))
        assert data["version"] == "1.2.0"
        id3_chapters = read_chapters(two_episodes / record.mp3)
        assert [c["title"] for c in data["chapters"]] == [c.title for c in id3_chapters]
        for json_c, id3_c in zip(data["chapters"], id3_chapters, strict=True):
            assert abs(json_c["startTime"] - id3_c.start_s) <= frame_s
            assert abs(json_c["endTime"] - id3_c.end_s) <= frame_s


def test_page_and_cover_are_published(two_episodes: Path) -> None:
    page = (two_episodes / "index.html").read_text("utf-8")
    assert '<html lang="zh-CN">' in page
    for record in Store(two_episodes).episodes():
        assert f'id="ep-{record.id}"' in page
    cover = etree.fromstring((two_episodes / "feed.xml").read_bytes()).find(
        "channel/{http://www.itunes.com/dtds/podcast-1.0.dtd}image"
    )
    assert cover.get("href") == f"{BASE}/cover.jpg"
    assert (two_episodes / "cover.jpg").read_bytes()[:3] == b"\xff\xd8\xff"


def test_rebuild_keeps_guid_and_replaces_audio(tmp_path: Path) -> None:
    article = tiny_article(tmp_path, "a", "同一篇")
    out = tmp_path / "out"
    build(article, out)
    first = Store(out).episodes()
    article.write_text(article.read_text("utf-8") + "\n三、新增\n\n新加的一段话。\n", "utf-8")
    build(article, out)
    second = Store(out).episodes()
    assert len(first) == len(second) == 1
    assert second[0].guid == first[0].guid
    assert second[0].pub_date == first[0].pub_date
    assert second[0].updated is not None
    assert second[0].duration_s > first[0].duration_s
    assert [i.findtext("guid") for i in _items(out)] == [first[0].guid]


def test_same_pinyin_different_title_is_a_new_episode(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(tiny_article(tmp_path, "a", "公式"), out)
    build(tiny_article(tmp_path, "b", "攻势"), out)
    ids = sorted(r.id for r in Store(out).episodes())
    assert ids == ["gong-shi", "gong-shi-2"]


def test_hostile_title_stays_inside_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    title = "../../逃逸 <b>&amp;</b> \u202e🎉\x07"
    build(tiny_article(tmp_path, "h"), out, "--title", title)
    inside = {p.resolve() for p in out.rglob("*")}
    everything = {p.resolve() for p in tmp_path.rglob("*")}
    assert everything - inside == {tmp_path.resolve() / n for n in ("h.txt", "out")}
    item = _items(out)[0]
    assert item.findtext("title") == "../../逃逸 <b>&amp;</b> \u202e🎉"
    assert all(p.name.isascii() for p in (out / "episodes").iterdir())


def test_failed_publish_leaves_feed_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    build(tiny_article(tmp_path, "a", "先发的一篇"), out)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    episodes_before = sorted((out / "episodes").iterdir())
    real = store_module.atomic_write

    def failing(path: Path, data: bytes, **how: Any) -> None:
        if path.name == store_module.JOURNAL_NAME:  # the commit
            raise OSError(28, "No space left on device")
        real(path, data, **how)

    monkeypatch.setattr(store_module, "atomic_write", failing)
    from audiobook import pipeline, profiles

    with pytest.raises(PublishError, match="No space left"):
        pipeline.build(
            tiny_article(tmp_path, "b", "后发的一篇"),
            pipeline.BuildOptions(
                output=out, profile=profiles.resolve(engine="espeak"), cache=False
            ),
        )
    assert (out / "feed.xml").read_bytes() == before["feed.xml"]
    assert (out / "episodes.json").read_bytes() == before["episodes.json"]
    assert sorted((out / "episodes").iterdir()) == episodes_before  # new files taken back
    assert not list(out.glob(".build-*")) and not list(out.glob(".*.tmp"))


def test_killed_build_leaves_feed_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(tiny_article(tmp_path, "a", "先发的一篇"), out)
    before = (out / "feed.xml").read_bytes()
    store_before = (out / "episodes.json").read_bytes()
    proc = subprocess.Popen(
        build_command(EXAMPLE, out, "--no-cache"), env=env(), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    # Kill it once it has finished speaking and started staging the episode: halfway.
    while not list(out.glob(".build-*")) and proc.poll() is None:
        time.sleep(0.01)
    assert proc.poll() is None, "the build finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (out / "feed.xml").read_bytes() == before
    assert (out / "episodes.json").read_bytes() == store_before
    # The next build still works and does not trip over the leftovers.
    build(tiny_article(tmp_path, "b", "后发的一篇"), out)
    assert len(_items(out)) == 2


def test_eight_concurrent_builds_all_land(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(tiny_article(tmp_path, "seed", "已有的一篇"), out)
    procs = [
        subprocess.Popen(
            build_command(tiny_article(tmp_path, f"c{n}", f"并发第{n}篇"), out),
            env=env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(8)
    ]
    for proc in procs:
        _, stderr = proc.communicate()
        assert proc.returncode == 0, stderr
    items = _items(out)
    assert len(items) == 9
    assert len({i.findtext("guid") for i in items}) == 9
    parsed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not parsed.bozo and len(parsed.entries) == 9
    for item in items:
        enclosure = item.find("enclosure")
        assert (out / enclosure.get("url")).stat().st_size == int(enclosure.get("length"))
        chapters = item.find(f"{{{PODCAST_NS}}}chapters").get("url")
        assert json.loads((out / chapters).read_text("utf-8"))["chapters"]
    assert len(Store(out).episodes()) == 9


def test_published_files_are_as_readable_as_any_file_the_user_makes(tmp_path: Path) -> None:
    """Atomic writes go through a private temporary file; the result must not stay private,
    or a web server reading the folder as another user gets 403 for feed.xml."""
    from audiobook.atomic import atomic_write

    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    atomic_write(tmp_path / "feed.xml", b"<rss/>")
    assert (tmp_path / "feed.xml").stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_same_title_different_article_is_a_new_episode(tmp_path: Path) -> None:
    """The README's own example: every day's article from stdin, titled 今日要闻."""
    out = tmp_path / "out"
    first, second = (tiny_article(tmp_path, name, "无题") for name in ("a", "b"))
    second.write_text(second.read_text("utf-8").replace("第一部分的", "另一篇的"), "utf-8")
    runs = []
    for article in (first, second, first):
        with article.open("rb") as stdin:
            proc = subprocess.run(
                [*build_command(Path("-"), out, "--title", "今日要闻")], stdin=stdin, env=env(),
                capture_output=True, text=True, check=False,
            )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        runs.append(Store(out).episodes())
    # Two different articles: two episodes, two guids, the first one's audio kept.
    assert len(runs[1]) == 2 and len({r.guid for r in runs[1]}) == 2
    assert runs[1][0] == runs[0][0]
    assert len({r.id for r in runs[1]}) == 2
    # The first article again (same text): a rebuild, same id and guid.
    assert len(runs[2]) == 2
    again = {r.id: r for r in runs[2]}[runs[0][0].id]
    assert again.guid == runs[0][0].guid and again.updated is not None
    assert len(_items(out)) == 2


def test_same_file_rebuilt_under_the_same_title_keeps_its_id(tmp_path: Path) -> None:
    out = tmp_path / "out"
    a, b = tiny_article(tmp_path, "a", "一样的标题"), tiny_article(tmp_path, "b", "一样的标题")
    build(a, out)
    build(b, out)  # another file, same title: a new episode
    build(a, out)  # the first file again: its episode
    records = Store(out).episodes()
    assert len(records) == 2 and len({r.guid for r in records}) == 2


def test_replace_is_explicit(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(tiny_article(tmp_path, "a", "旧的一篇"), out)
    (old,) = Store(out).episodes()
    result = cli(*build_args(tiny_article(tmp_path, "x", "x"), out, "--replace", "nope"))
    assert result.returncode == 2 and "--replace nope" in result.stderr
    assert Store(out).episodes() == [old]
    build(tiny_article(tmp_path, "b", "新的一篇"), out, "--replace", old.id)
    (new,) = Store(out).episodes()
    assert new.id == old.id and new.title == "新的一篇"
    assert new.guid != old.guid  # another article: apps must fetch it
    assert not (out / old.mp3).exists()
