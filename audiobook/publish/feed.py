"""Rendering the store as an RSS 2.0 podcast feed (feedgen + lxml, never string-built XML).

feedgen's podcast extension covers the iTunes tags but writes ``itunes:explicit`` as yes/no
(Apple now wants true/false), validates categories against an old list, and knows nothing of
the Podcasting 2.0 (``podcast:``) or Podlove Simple Chapters (``psc:``) tags, so two small
feedgen extensions below add those as lxml elements. Rendering is deterministic (the build
date is the newest episode's date), so re-rendering an unchanged store gives the same bytes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from audiobook.models import EpisodeRecord
from audiobook.publish.chapters import MIME_TYPE as CHAPTERS_MIME
from audiobook.publish.settings import FeedSettings, parse_category
from audiobook.publish.timecode import chapter_clock, hms_millis

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
PSC_NS = "http://podlove.org/simple-chapters"
#: The namespace Podcasting 2.0 fixes for ``podcast:guid`` (UUIDv5 of the feed URL).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
#: MIME types of the transcript files an episode may carry, by the ``files`` key.
TRANSCRIPT_TYPES = {"srt": "application/x-subrip", "vtt": "text/vtt"}

# Characters XML 1.0 cannot carry at all; lxml refuses them, so a title holding one (pasted
# control characters) would otherwise fail the whole feed.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Text that any XML document can hold (emoji and RTL marks stay; control bytes go)."""
    return _NOT_XML.sub("", text)


def public_url(base_url: str, relative: str) -> str:
    """Where a listener's app fetches a file: relative to the feed unless a base URL is set."""
    path = quote(relative)
    if not base_url:
        return path
    return base_url.rstrip("/") + "/" + path


def feed_url(settings: FeedSettings) -> str | None:
    """The feed's own public URL, known only once a base URL is set."""
    return public_url(settings.base_url, "feed.xml") if settings.base_url else None


def site_link(settings: FeedSettings) -> str:
    """The show's web page: as set, else the generated ``index.html`` beside the feed."""
    if settings.link:
        return settings.link
    return public_url(settings.base_url, "") if settings.base_url else "https://example.invalid/"


def podcast_guid(url: str) -> str:
    """Podcasting 2.0's rule: UUIDv5 of the feed URL without scheme and trailing slashes."""
    bare = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", url.strip()).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def channel_guid(settings: FeedSettings) -> str | None:
    if settings.guid:
        return settings.guid
    url = feed_url(settings)
    return podcast_guid(url) if url else None


def chapter_list(record: EpisodeRecord) -> str:
    return "\n".join(f"{chapter_clock(c.start_s)} {c.title}" for c in record.chapters)


def description(record: EpisodeRecord) -> str:
    """Plain text: the title, the byline, then ``00:00 标题`` lines apps make clickable."""
    parts = [record.title]
    if record.byline:
        parts.append(record.byline)
    if record.chapters:
        parts.append(chapter_list(record))
    if record.articles:  # an edition: its articles, with where each came from
        parts.append("\n".join(article_list(record)))
    return xml_text("\n\n".join(parts))


def article_list(record: EpisodeRecord) -> list[str]:
    """An edition's articles as show-note lines: ``1. 标题 https://…`` (link when fetched)."""
    lines = ["本期文章："]
    for n, article in enumerate(record.articles, 1):
        link = f" {article.link}" if article.link else ""
        lines.append(f"{n}. {article.title}{link}")
    return lines


def _sub(parent: Any, ns: str, tag: str, body: str | None = None, **attrs: str) -> Any:
    element = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: xml_text(v) for k, v in attrs.items()})
    if body is not None:
        element.text = xml_text(body)
    return element


class _ChannelExtension(BaseExtension):
    """Channel tags feedgen lacks or writes in an outdated form."""

    def __init__(self) -> None:
        self.settings: FeedSettings | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "psc": PSC_NS}

    def extend_rss(self, rss_feed: Any) -> Any:
        settings = self.settings
        assert settings is not None
        channel = rss_feed[0]
        top, sub = parse_category(settings.category)
        category = _sub(channel, ITUNES_NS, "category", text=top)
        if sub:
            _sub(category, ITUNES_NS, "category", text=sub)
        _sub(channel, ITUNES_NS, "explicit", "true" if settings.explicit else "false")
        guid = channel_guid(settings)
        if guid:
            _sub(channel, PODCAST_NS, "guid", guid)
        locked = _sub(channel, PODCAST_NS, "locked", "yes" if settings.locked else "no")
        if settings.email:
            locked.set("owner", xml_text(settings.email))
        return rss_feed


class _EntryExtension(BaseEntryExtension):
    """Per item: JSON chapters, transcripts and Podlove Simple Chapters."""

    def __init__(self) -> None:
        self.record: EpisodeRecord | None = None
        self.base_url = ""
        self.language = "zh-cn"

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS, "psc": PSC_NS}

    def extend_rss(self, item: Any) -> Any:
        record = self.record
        if record is None:
            return item
        files = record.files
        if "chapters" in files:
            _sub(
                item, PODCAST_NS, "chapters",
                url=public_url(self.base_url, files["chapters"]), type=CHAPTERS_MIME,
            )  # fmt: skip
        for key, mime in TRANSCRIPT_TYPES.items():
            if key in files:
                _sub(
                    item, PODCAST_NS, "transcript",
                    url=public_url(self.base_url, files[key]), type=mime,
                    language=self.language, rel="captions",
                )  # fmt: skip
        if record.chapters:
            psc = _sub(item, PSC_NS, "chapters", version="1.2")
            for chapter in record.chapters:
                _sub(
                    psc, PSC_NS, "chapter",
                    start=hms_millis(chapter.start_s), title=chapter.title,
                )  # fmt: skip
        return item


def _when(iso: str) -> datetime:
    moment = datetime.fromisoformat(iso)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def render_feed(settings: FeedSettings, episodes: Sequence[EpisodeRecord]) -> bytes:
    """The whole feed as UTF-8 bytes, newest episode first."""
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("extra", _ChannelExtension, _EntryExtension)
    fg.extra.settings = settings
    fg.title(xml_text(settings.title))
    fg.description(xml_text(settings.description))
    self_url = feed_url(settings)
    if self_url:
        fg.link(href=self_url, rel="self", type="application/rss+xml")
    # feedgen writes the last link added as the RSS <link>: the web page, not the feed.
    fg.link(href=site_link(settings), rel="alternate")
    fg.language(settings.language)
    fg.generator("audiobook")
    fg.podcast.itunes_author(xml_text(settings.author))
    fg.podcast.itunes_summary(xml_text(settings.description))
    fg.podcast.itunes_type(settings.type)
    if settings.email:  # Apple wants both or neither
        fg.podcast.itunes_owner(name=xml_text(settings.author), email=settings.email)
    if settings.cover:
        fg.podcast.itunes_image(public_url(settings.base_url, settings.cover))
        fg.image(
            url=public_url(settings.base_url, settings.cover),
            title=xml_text(settings.title),
            link=site_link(settings),
        )
    dates = [_when(r.updated or r.pub_date) for r in episodes]
    fg.lastBuildDate(max(dates) if dates else datetime(2000, 1, 1, tzinfo=timezone.utc))
    # feedgen prepends entries; add oldest first so the newest is first in the file.
    for record in sorted(episodes, key=lambda e: (_when(e.pub_date), e.id)):
        entry = fg.add_entry()
        entry.extra.record = record
        entry.extra.base_url = settings.base_url
        entry.extra.language = settings.language
        entry.guid(record.guid, permalink=False)
        entry.title(xml_text(record.title))
        if record.source and record.source.startswith(("http://", "https://")):
            entry.link(href=record.source)  # the article's page, for a fetched article
        entry.description(description(record))
        entry.enclosure(public_url(settings.base_url, record.mp3), str(record.bytes), "audio/mpeg")
        entry.pubDate(_when(record.pub_date))
        entry.podcast.itunes_duration(round(record.duration_s))
        entry.podcast.itunes_episode_type("full")
        if record.byline:
            entry.podcast.itunes_author(xml_text(record.byline))
    return bytes(fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True))
