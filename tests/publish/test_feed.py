from __future__ import annotations

import feedparser
import podcastparser

from audiobook.publish.feed import clock, public_url, render_feed
from audiobook.publish.store import EpisodeRecord, FeedSettings


def _record(n: int, title: str = "标题") -> EpisodeRecord:
    return EpisodeRecord(
        id=f"ep{n}", guid=f"urn:uuid:0000-{n}", title=title, mp3=f"episodes/ep{n}.mp3",
        bytes=12345 + n, duration_s=125.4, pub_date=f"2026-11-2{n}T08:00:00+00:00",
        engine="espeak", voice="espeak-ng:cmn",
        chapters=[{"title": "导语", "start_s": 0.3, "end_s": 60.0},
                  {"title": "一、开始", "start_s": 60.0, "end_s": 125.4}],
    )  # fmt: skip


def test_feed_parses_in_two_independent_parsers() -> None:
    xml = render_feed(FeedSettings(title="早报"), [_record(1), _record(2, "A & <B> 🎉")])
    parsed = feedparser.parse(xml)
    assert not parsed.bozo
    assert parsed.feed.title == "早报"
    assert [e.title for e in parsed.entries] == ["A & <B> 🎉", "标题"]
    first = parsed.entries[0]
    assert first.enclosures[0].length == "12347"
    assert first.enclosures[0].type == "audio/mpeg"
    assert first.itunes_duration == "125"
    assert "01:00 一、开始" in first.description
    pod = podcastparser.parse("http://x/feed.xml", __import__("io").BytesIO(xml))
    assert [e["guid"] for e in pod["episodes"]] == ["urn:uuid:0000-2", "urn:uuid:0000-1"]
    assert pod["episodes"][0]["enclosures"][0]["file_size"] == 12347
    assert pod["episodes"][0]["total_time"] == 125


def test_urls() -> None:
    assert public_url("", "episodes/a b.mp3") == "episodes/a%20b.mp3"
    assert public_url("https://x.org/pod/", "episodes/a.mp3") == "https://x.org/pod/episodes/a.mp3"
    assert clock(3725) == "1:02:05"
    assert clock(65.9) == "01:05"
