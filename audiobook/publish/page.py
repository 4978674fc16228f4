"""``index.html``: the feed as a web page people can listen on, from any static host.

Built as an lxml tree (text is escaped by the serializer, like the feed), with relative links
only so the folder works wherever it is copied. Every control is native HTML — ``<audio
controls>``, links, ``<details>`` — so it is keyboard-operable and screen readers know it; the
one script only turns chapter and transcript links into seeks of their episode's player (and
without it the links still open the audio at that time via a media fragment).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from lxml import html
from lxml.html import builder as E

from audiobook.models import EpisodeRecord
from audiobook.publish.feed import TRANSCRIPT_TYPES, feed_url, xml_text
from audiobook.publish.settings import FeedSettings
from audiobook.publish.timecode import chapter_clock, duration_zh

# .meta (date, duration, byline) is an explicit grey, not the system's GrayText (#808080 in
# Chromium: 3.9:1 on white, under WCAG's 4.5:1): #595959 is 7:1 on white, #b8b8b8 is 9:1 on
# Chromium's dark canvas (#121212). The page's background is stated (Canvas), so contrast
# checkers see the dark canvas the links' dark-scheme colours are meant for.
_STYLE = """
:root { color-scheme: light dark; font-family: system-ui, "Noto Sans CJK SC", sans-serif; }
html { background: Canvas; color: CanvasText; }
body { max-width: 46rem; margin: 0 auto; padding: 1rem; line-height: 1.7; }
header img { float: right; width: 8rem; height: 8rem; margin-left: 1rem; }
article { border-top: 1px solid #8884; padding: 1rem 0; clear: both; }
audio { width: 100%; }
a:focus-visible, audio:focus-visible, summary:focus-visible { outline: 3px solid #1a73e8; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: Canvas; padding: .5rem; }
.meta { color: #595959; }
@media (prefers-color-scheme: dark) { .meta { color: #b8b8b8; } }
.transcript p { margin: .25rem 0; }
"""

# Chapter and transcript links carry data-player/data-seek; a click seeks that player. Kept
# tiny and dependency-free so the page works from any static host.
_SCRIPT = """
document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-seek]");
  if (!link) return;
  var player = document.getElementById(link.dataset.player);
  if (!player) return;
  event.preventDefault();
  player.currentTime = parseFloat(link.dataset.seek);
  var played = player.play();
  if (played && played.catch) played.catch(function () {});
  player.focus();
});
"""


def _href(relative: str) -> str:
    return quote(relative)


def _with_headings(lines: list[Any], record: EpisodeRecord) -> list[Any]:
    """The transcript with each chapter's title as a heading (``h4``, a nested one ``h5``)
    before its first sentence, when the chapters nest (an edition, a book): the levels a
    reader navigates by heading. A flat episode's transcript stays as it was."""
    chapters = record.chapters
    if not chapters or max(c.level for c in chapters) < 2:
        return lines
    out: list[Any] = []
    shown = 0  # chapters headed so far: each before the first sentence of its own
    for line, cue in zip(lines, record.cues, strict=True):
        while shown <= cue.section and shown < len(chapters):
            chapter = chapters[shown]
            heading = E.H4 if chapter.level == 1 else E.H5
            out.append(heading(xml_text(chapter.title)))
            shown += 1
        out.append(line)
    return out


def _nested(items: list[Any], levels: Sequence[int]) -> Any:
    """The chapter list as nested ``<ol>``s, a chapter's sections inside its item, so a
    screen reader announces the levels an edition or a book has (a flat list if none)."""
    root = E.OL()
    stack: list[tuple[int, Any]] = [(1, root)]
    for item, level in zip(items, levels, strict=True):
        while len(stack) > 1 and level < stack[-1][0]:
            stack.pop()
        depth, target = stack[-1]
        if level > depth and len(target):
            inner = E.OL()
            target[-1].append(inner)
            stack.append((level, inner))
            target = inner
        target.append(item)
    return root


def _seek_link(player: str, mp3: str, start: float, label: str) -> Any:
    return E.A(
        label,
        href=f"{_href(mp3)}#t={start:.3f}",
        **{"data-seek": f"{start:.3f}", "data-player": player},
    )


def _episode(record: EpisodeRecord) -> Any:
    anchor = f"ep-{record.id}"
    player = f"audio-{record.id}"
    title_id = f"{anchor}-title"
    when = datetime.fromisoformat(record.pub_date)
    meta = [E.TIME(when.strftime("%Y-%m-%d"), datetime=record.pub_date), " · "]
    meta.append(duration_zh(record.duration_s))
    if record.byline:
        meta[:0] = [xml_text(record.byline), " · "]
    audio = E.AUDIO(
        E.A("下载音频", href=_href(record.mp3)),
        id=player,
        controls="controls",
        preload="metadata",
        src=_href(record.mp3),
        **{"aria-label": f"播放：{xml_text(record.title)}"},
    )
    if "vtt" in record.files:
        audio.append(
            E.TRACK(kind="captions", src=_href(record.files["vtt"]), srclang="zh", label="中文")
        )
    parts: list[Any] = [
        E.H2(xml_text(record.title), id=title_id),
        E.P(*meta, **{"class": "meta"}),
        audio,
    ]
    if record.chapters:
        items = [
            E.LI(
                _seek_link(
                    player, record.mp3, c.start_s, f"{chapter_clock(c.start_s)} {xml_text(c.title)}"
                )
            )
            for c in record.chapters
        ]
        levels = [c.level for c in record.chapters]
        parts.append(
            E.NAV(
                E.H3("章节", id=f"{anchor}-chapters"),
                _nested(items, levels),
                **{"aria-labelledby": f"{anchor}-chapters {title_id}"},
            )
        )
    if record.articles:  # an edition's articles, linked to their pages when fetched
        entries = []
        for article in record.articles:
            name = xml_text(article.title)
            entries.append(E.LI(E.A(name, href=article.link) if article.link else name))
        parts.append(E.SECTION(E.H3("本期文章"), E.OL(*entries)))
    if record.cues:
        lines = [
            E.P(
                _seek_link(player, record.mp3, c.start_s, chapter_clock(c.start_s)),
                " ",
                xml_text(c.text),
            )
            for c in record.cues
        ]
        lines = _with_headings(lines, record)
        parts.append(
            E.SECTION(
                E.H3("文字稿", id=f"{anchor}-transcript"),
                E.DETAILS(E.SUMMARY("展开文字稿"), E.DIV(*lines, **{"class": "transcript"})),
                **{"aria-labelledby": f"{anchor}-transcript"},
            )
        )
    downloads = [E.A("MP3", href=_href(record.mp3))]
    for key in TRANSCRIPT_TYPES:
        if key in record.files:
            downloads += [" · ", E.A(f"文字稿（{key.upper()}）", href=_href(record.files[key]))]
    if "daisy_zip" in record.files:
        # The DAISY 2.02 talking book (ncc.html, SMIL, text and audio) for DAISY players.
        downloads += [
            " · ",
            E.A(
                "DAISY 有声书（ZIP）",
                href=_href(record.files["daisy_zip"]),
                type="application/zip",
                download="",
                **{"class": "daisy"},
            ),
        ]
    if "epub" in record.files:
        # The EPUB 3 read-along book: text highlighted sentence by sentence as it is read.
        downloads += [
            " · ",
            E.A(
                "EPUB 有声读物（文字同步）",
                href=_href(record.files["epub"]),
                type="application/epub+zip",
                download="",
                **{"class": "epub"},
            ),
        ]
    if "m4b" in record.files:
        # One AAC file with chapters and cover, which audiobook apps open as a book.
        downloads += [
            " · ",
            E.A(
                "M4B 有声书",
                href=_href(record.files["m4b"]),
                type="audio/mp4",
                download="",
                **{"class": "m4b"},
            ),
        ]
    parts.append(E.P("下载：", *downloads))
    return E.ARTICLE(*parts, id=anchor, **{"aria-labelledby": title_id})


def render_page(settings: FeedSettings, episodes: Sequence[EpisodeRecord]) -> bytes:
    """The page, newest episode first, as UTF-8 bytes."""
    title = xml_text(settings.title)
    ordered = sorted(episodes, key=lambda e: (e.pub_date, e.id), reverse=True)
    header: list[Any] = []
    if settings.cover:
        header.append(E.IMG(src=_href(settings.cover), alt="", width="160", height="160"))
    header += [
        E.H1(title),
        E.P(xml_text(settings.description)),
        E.P(E.A("用播客应用订阅（RSS）", href="feed.xml", type="application/rss+xml")),
    ]
    body_main: list[Any] = [_episode(record) for record in ordered]
    if not ordered:
        body_main.append(E.P("还没有节目。"))
    head = E.HEAD(
        E.META(charset="utf-8"),
        E.META(name="viewport", content="width=device-width, initial-scale=1"),
        E.TITLE(title),
        E.LINK(rel="alternate", type="application/rss+xml", href="feed.xml", title=title),
        E.STYLE(_STYLE),
    )
    url = feed_url(settings)
    body = E.BODY(
        E.A("跳到节目列表", href="#main", **{"class": "skip"}),
        E.HEADER(*header),
        E.MAIN(*body_main, id="main", tabindex="-1"),
        E.FOOTER(E.P("订阅地址：", E.A(url or "feed.xml", href=url or "feed.xml"))),
        E.SCRIPT(_SCRIPT),
    )
    document = E.HTML(head, body, lang="zh-CN")
    return bytes(
        html.tostring(document, doctype="<!DOCTYPE html>", encoding="utf-8", method="html")
    )
