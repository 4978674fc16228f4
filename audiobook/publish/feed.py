"""Rendering the store as an RSS 2.0 + iTunes podcast feed (feedgen, never string-built XML)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote

from feedgen.feed import FeedGenerator

from audiobook.publish.store import EpisodeRecord, FeedSettings


def public_url(base_url: str, relative: str) -> str:
    """Where a listener's app fetches a file: relative to the feed unless a base URL is set."""
    path = quote(relative)
    if not base_url:
        return path
    return base_url.rstrip("/") + "/" + path


def clock(seconds: float) -> str:
    """``MM:SS`` (or ``H:MM:SS``), the form podcast apps turn into clickable chapter links."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def chapter_list(record: EpisodeRecord) -> str:
    return "\n".join(f"{clock(float(c['start_s']))} {c['title']}" for c in record.chapters)


def render_feed(settings: FeedSettings, episodes: Sequence[EpisodeRecord]) -> bytes:
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.title(settings.title)
    fg.description(settings.description)
    fg.link(href=settings.link, rel="alternate")
    fg.language(settings.language)
    fg.generator("audiobook")
    fg.podcast.itunes_author(settings.author)
    fg.podcast.itunes_summary(settings.description)
    fg.podcast.itunes_category(settings.category)
    fg.podcast.itunes_explicit("yes" if settings.explicit else "no")
    # feedgen prepends entries; add oldest first so the newest is first in the file.
    for record in sorted(episodes, key=lambda e: e.pub_date):
        entry = fg.add_entry()
        entry.id(record.guid)
        entry.guid(record.guid, permalink=False)
        entry.title(record.title)
        summary = record.title if not record.chapters else f"{record.title}\n\n{chapter_list(record)}"
        entry.description(summary)
        entry.enclosure(public_url(settings.base_url, record.mp3), str(record.bytes), "audio/mpeg")
        entry.pubDate(datetime.fromisoformat(record.pub_date))
        entry.podcast.itunes_duration(int(round(record.duration_s)))
        if record.byline:
            entry.podcast.itunes_author(record.byline)
    return fg.rss_str(pretty=True)
