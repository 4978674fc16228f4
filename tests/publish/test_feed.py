from __future__ import annotations

import email.utils
import io
import json
from dataclasses import replace
from datetime import datetime

import feedparser
import podcastparser
import pytest
from lxml import etree

from audiobook.errors import ConfigError
from audiobook.models import Chapter, EpisodeFiles
from audiobook.publish.chapters import chapters_json
from audiobook.publish.feed import (
    ITUNES_NS,
    PODCAST_NS,
    PSC_NS,
    podcast_guid,
    public_url,
    render_feed,
    xml_text,
)
from audiobook.publish.store import EpisodeRecord, FeedSettings, coerce_setting, parse_category
from audiobook.publish.timecode import chapter_clock, hms_millis


def _record(n: int, title: str = "标题") -> EpisodeRecord:
    return EpisodeRecord(
        id=f"ep{n}", guid=f"urn:uuid:0000-{n}", title=title, mp3=f"episodes/ep{n}.mp3",
        bytes=12345 + n, duration_s=125.4, pub_date=f"2026-11-2{n}T08:00:00+00:00",
        engine="espeak", voice="espeak-ng:cmn",
        chapters=(Chapter("导语", 0.3, 60.0), Chapter("一、开始", 60.0, 125.4)),
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
    pod = podcastparser.parse("http://x/feed.xml", io.BytesIO(xml))
    assert [e["guid"] for e in pod["episodes"]] == ["urn:uuid:0000-2", "urn:uuid:0000-1"]
    assert pod["episodes"][0]["enclosures"][0]["file_size"] == 12347
    assert pod["episodes"][0]["total_time"] == 125


def test_urls() -> None:
    assert public_url("", "episodes/a b.mp3") == "episodes/a%20b.mp3"
    assert public_url("https://x.org/pod/", "episodes/a.mp3") == "https://x.org/pod/episodes/a.mp3"
    assert chapter_clock(3725) == "1:02:05"
    assert chapter_clock(65.9) == "01:05"


# --- Podcasting 2.0, Apple and Podlove tags -------------------------------------------------

NS = {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "psc": PSC_NS}


def _full_record(title: str = "标题") -> EpisodeRecord:
    record = _record(3, title)
    files = EpisodeFiles(
        mp3=record.mp3, chapters="episodes/ep3.chapters.json",
        vtt="episodes/ep3.vtt", srt="episodes/ep3.srt",
    )  # fmt: skip
    return replace(record, files=files)


def _settings(**kw: object) -> FeedSettings:
    base = {"title": "早报", "base_url": "https://example.org/pod/", "cover": "cover.jpg"}
    return FeedSettings(**{**base, **kw})  # type: ignore[arg-type]


def test_podcast_guid_follows_the_podcasting20_rule() -> None:
    # The spec's own example: podnews.net/rss.
    assert podcast_guid("https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert podcast_guid("http://podnews.net/rss/") == podcast_guid("podnews.net/rss")


def test_channel_carries_apple_and_podcastindex_tags() -> None:
    xml = render_feed(_settings(category="News/Daily News", explicit=True, email="a@b.org"),
                      [_full_record()])  # fmt: skip
    root = etree.fromstring(xml)
    assert root.nsmap["itunes"] == "http://www.itunes.com/dtds/podcast-1.0.dtd"
    assert root.nsmap["podcast"] == "https://podcastindex.org/namespace/1.0"
    channel = root.find("channel")
    assert channel.findtext("language") == "zh-cn"
    assert channel.findtext("link") == "https://example.org/pod/"
    assert channel.findtext("itunes:explicit", namespaces=NS) == "true"
    assert channel.findtext("itunes:type", namespaces=NS) == "episodic"
    assert channel.find("itunes:image", NS).get("href") == "https://example.org/pod/cover.jpg"
    cat = channel.find("itunes:category", NS)
    assert (cat.get("text"), cat[0].get("text")) == ("News", "Daily News")
    assert channel.findtext("podcast:guid", namespaces=NS) == podcast_guid(
        "https://example.org/pod/feed.xml"
    )
    assert channel.find("podcast:locked", NS).text == "yes"
    assert channel.find("podcast:locked", NS).get("owner") == "a@b.org"
    clean = etree.fromstring(render_feed(_settings(explicit=False), []))
    assert clean.find("channel/itunes:explicit", NS).text == "false"


def test_items_link_chapters_transcripts_and_podlove_chapters() -> None:
    xml = render_feed(_settings(), [_full_record()])
    item = etree.fromstring(xml).find("channel/item")
    chapters = item.find("podcast:chapters", NS)
    assert chapters.get("type") == "application/json+chapters"
    assert chapters.get("url") == "https://example.org/pod/episodes/ep3.chapters.json"
    transcripts = {t.get("type"): t.get("url") for t in item.findall("podcast:transcript", NS)}
    assert transcripts == {
        "text/vtt": "https://example.org/pod/episodes/ep3.vtt",
        "application/x-subrip": "https://example.org/pod/episodes/ep3.srt",
    }
    psc = item.find("psc:chapters", NS)
    assert psc.get("version") == "1.2"
    assert [(c.get("start"), c.get("title")) for c in psc] == [
        ("00:00:00.300", "导语"), ("00:01:00.000", "一、开始"),
    ]  # fmt: skip
    # Independent readers: feedparser sees the podcast: tags, podcastparser the Podlove ones.
    parsed = feedparser.parse(xml)
    entry = parsed.entries[0]
    assert entry.podcast_chapters["url"].endswith("ep3.chapters.json")
    assert entry.podcast_transcript["type"] == "text/vtt"
    assert parsed.feed.podcast_guid == podcast_guid("example.org/pod/feed.xml")
    pod = podcastparser.parse("https://example.org/pod/feed.xml", io.BytesIO(xml))
    assert [c["title"] for c in pod["episodes"][0]["chapters"]] == ["导语", "一、开始"]
    assert [c["start"] for c in pod["episodes"][0]["chapters"]] == [0, 60]


def test_pubdate_is_rfc2822_with_the_right_weekday() -> None:
    # A Thursday in Beijing, Thursday in UTC too.
    record = replace(_record(1), pub_date="2026-11-26T23:30:00+08:00")
    text = etree.fromstring(render_feed(_settings(), [record])).findtext("channel/item/pubDate")
    moment = email.utils.parsedate_to_datetime(text)
    assert moment == datetime.fromisoformat(record.pub_date)
    assert text.startswith(moment.strftime("%a, "))
    assert text.startswith("Thu, ")


@pytest.mark.parametrize(
    "title",
    ["A & <B> \"q\" 'a' ]]> 🎉", "\u202eevil\u200f 右到左", "../../etc/passwd", "bell\x07\x00nul",
     "<!--", "&amp;"],
)  # fmt: skip
def test_hostile_titles_never_break_the_feed(title: str) -> None:
    xml = render_feed(_settings(title=title, description=title), [_full_record(title)])
    root = etree.fromstring(xml)  # strict parser: raises if the feed is not well-formed
    assert root.findtext("channel/item/title") == xml_text(title)
    parsed = feedparser.parse(xml)
    assert not parsed.bozo
    assert parsed.entries[0].title == xml_text(title).strip()


def test_xml_text_keeps_emoji_and_marks_but_drops_control_characters() -> None:
    assert xml_text("a\x00b\x1fc\td🎉\u200f") == "abc\td🎉\u200f"


def test_npt_and_chapter_json() -> None:
    assert hms_millis(3725.0409) == "01:02:05.041"
    data = json.loads(chapters_json([Chapter("导语", 0.3, 2)], title="t"))
    assert data == {
        "version": "1.2.0", "title": "t",
        "chapters": [{"startTime": 0.3, "endTime": 2.0, "title": "导语"}],
    }  # fmt: skip
    assert isinstance(data["version"], str)


def test_categories_and_settings_are_checked() -> None:
    assert parse_category("news/daily news") == ("News", "Daily News")
    assert parse_category("True Crime") == ("True Crime", None)
    with pytest.raises(ConfigError, match="not one of Apple's"):
        parse_category("Podcasts")
    with pytest.raises(ConfigError, match="no subcategory"):
        parse_category("News/Cooking")
    assert coerce_setting("explicit", "Yes") is True
    assert coerce_setting("language", "zh-CN") == "zh-cn"
    for key, bad in [("explicit", "maybe"), ("base_url", "ftp://x"), ("type", "daily"),
                     ("guid", "nope"), ("title", " "), ("nosuch", "x")]:  # fmt: skip
        with pytest.raises(ConfigError):
            coerce_setting(key, bad)


def test_rendering_is_deterministic() -> None:
    records = [_full_record(), _record(1)]
    assert render_feed(_settings(), records) == render_feed(_settings(), records)
