"""``audiobook edition``: three articles (a page, a text file, a URL) in one episode, decoded
end to end — chapters nested in ID3 and as ffmpeg reads them, the feed as apps parse it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree
from mutagen.id3 import ID3, CTOCFlags
from typer.testing import CliRunner

from audiobook.audio import ffmpeg_exe
from audiobook.cli import app
from audiobook.publish.id3 import read_chapters
from tests.inputs.pages import FURNITURE_WORDS, simplified, traditional

runner = CliRunner()
TEXT = (
    "停水通知\n\n记者 王五\n\n明天上午九点到下午三点，东园小区停水。\n\n"
    "一、原因\n\n更换老旧水管。\n"
)
RUNDOWN = "本期要目"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    folder = tmp_path_factory.mktemp("articles")
    (folder / "page.html").write_bytes(simplified("gb2312"))
    (folder / "notice.txt").write_text(TEXT, "utf-8")
    (folder / "site").mkdir()
    (folder / "site" / "school.html").write_bytes(traditional("big5"))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder / "site")))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/school.html"
    try:
        yield [str(folder / "page.html"), str(folder / "notice.txt"), url]
    finally:
        httpd.shutdown()
        httpd.server_close()


def edition(out: Path, sources: list[str], *extra: str) -> dict:
    result = runner.invoke(app, [
        "edition", *sources, "--title", "每日早报", "--date", "2026-12-02", "--engine", "espeak",
        "-o", str(out), "--json", "--quiet", *extra,
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def built(articles: list[str], tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("out")
    return edition(out, articles, "--daisy"), out


HEADLINES = ["社区图书馆开出“深夜书房”", "停水通知", "偏乡小学的电脑课"]


@pytest.mark.slow
def test_chapters_are_rundown_then_articles_with_sections_nested(built: tuple[dict, Path]) -> None:
    payload, _ = built
    chapters = [(c["title"], c["level"]) for c in payload["episode"]["chapters"]]
    assert chapters == [
        (RUNDOWN, 1),
        (HEADLINES[0], 1), ("下班后的读书时间", 2), ("更多服务在路上", 2), ("自助借还", 3),
        (HEADLINES[1], 1), ("一、原因", 2),
        (HEADLINES[2], 1), ("志工轮流上山", 2),
    ]  # fmt: skip
    assert payload["episode"]["title"] == "每日早报 2026-12-02"


@pytest.mark.slow
def test_podcasting_chapters_name_each_section_by_its_article(built: tuple[dict, Path]) -> None:
    """The JSON chapters are a flat list (the spec has no nesting): a section is titled by its
    path, so a listener sees which article it belongs to."""
    payload, _ = built
    mp3 = Path(payload["episode"]["mp3"])
    chapters_file = mp3.with_name(mp3.name.removesuffix(".mp3") + ".chapters.json")
    listed = [c["title"] for c in json.loads(chapters_file.read_text("utf-8"))["chapters"]]
    assert listed[:5] == [
        RUNDOWN, HEADLINES[0], f"{HEADLINES[0]} › 下班后的读书时间",
        f"{HEADLINES[0]} › 更多服务在路上", f"{HEADLINES[0]} › 更多服务在路上 › 自助借还",
    ]  # fmt: skip
    assert listed[5:7] == [HEADLINES[1], f"{HEADLINES[1]} › 一、原因"]


@pytest.mark.slow
def test_id3_ctoc_nests_each_articles_sections(built: tuple[dict, Path]) -> None:
    payload, _ = built
    mp3 = Path(payload["episode"]["mp3"])
    tags = ID3(mp3)
    tocs = tags.getall("CTOC")
    top = next(t for t in tocs if t.flags & CTOCFlags.TOP_LEVEL)
    chaps = {c.element_id: c.sub_frames.getall("TIT2")[0].text[0] for c in tags.getall("CHAP")}
    tables = {t.element_id: t for t in tocs}

    def titles(ids: list[str]) -> list[str]:
        return [chaps.get(i) or tables[i].sub_frames.getall("TIT2")[0].text[0] for i in ids]

    top_titles = titles(top.child_element_ids)
    assert top_titles[0] == RUNDOWN
    for headline in HEADLINES:
        assert headline in top_titles
    assert "下班后的读书时间" not in top_titles  # nested below its article, not at the top
    assert str(tags["TDRC"].text[0]) == "2026-12-02"  # the edition's date, not the build's
    assert str(tags["TIT2"].text[0]) == "每日早报 2026-12-02"
    assert [c.title for c in read_chapters(mp3)] == [
        c["title"] for c in payload["episode"]["chapters"]
    ]


@pytest.mark.slow
def test_ffmpeg_reads_the_same_chapters(built: tuple[dict, Path]) -> None:
    payload, _ = built
    mp3 = payload["episode"]["mp3"]
    meta = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-v", "error", "-i", mp3, "-f", "ffmetadata", "-"],
        capture_output=True, check=True, env={**os.environ, "LC_ALL": "C.UTF-8"},
    ).stdout.decode("utf-8")  # fmt: skip
    # ffmpeg lists CHAP frames as stored (a table's chapters together): order them by time.
    found = re.findall(r"\[CHAPTER\]\nTIMEBASE=1/1000\nSTART=(\d+)\nEND=\d+\ntitle=([^\n]*)", meta)
    titles = [title for _, title in sorted(found, key=lambda f: int(f[0]))]
    assert titles == [c["title"] for c in payload["episode"]["chapters"]]


@pytest.mark.slow
def test_feed_and_show_notes_list_the_articles_with_links(
    built: tuple[dict, Path], articles: list[str]
) -> None:
    _, out = built
    feed = feedparser.parse(str(out / "feed.xml"))
    assert not feed.bozo
    entry = feed.entries[0]
    assert entry.title == "每日早报 2026-12-02"
    notes = entry.summary
    for n, headline in enumerate(HEADLINES, 1):
        assert f"{n}. {headline}" in notes
    assert articles[2] in notes  # the fetched article's source link
    with (out / "feed.xml").open("rb") as handle:
        parsed = podcastparser.parse("http://example.org/feed.xml", handle)
    episode = parsed["episodes"][0]
    assert episode["title"] == "每日早报 2026-12-02"
    assert [c["title"] for c in episode["chapters"]][:2] == [RUNDOWN, HEADLINES[0]]
    assert articles[2] in episode["description"]


@pytest.mark.slow
def test_nothing_from_page_furniture_is_spoken(built: tuple[dict, Path]) -> None:
    _, out = built
    transcript = next((out / "episodes").glob("*.vtt")).read_text("utf-8")
    assert "本期共有三篇文章" in transcript and "第一篇，社区图书馆开出“深夜书房”。" in transcript
    for word in (*FURNITURE_WORDS, "首页", "分享至", "图为", "点击排行"):
        assert word not in transcript, word


@pytest.mark.slow
def test_build_record_and_json_keep_each_articles_own_removals(built: tuple[dict, Path]) -> None:
    payload, out = built
    assert [a["title"] for a in payload["articles"]] == HEADLINES
    page, notice, school = payload["articles"]
    assert any(r["rule"] == "html-extraction" and r["text"] == "首页" for r in page["removals"])
    assert page["encoding"] == "gb18030" and school["encoding"] == "big5hkscs"
    assert school["link"].endswith("/school.html") and notice["link"] is None
    record = json.loads(next((out / "episodes").glob("*.build.json")).read_text("utf-8"))
    assert record["edition"]["articles"] == payload["articles"]
    assert record["edition"]["skipped"] == []


@pytest.mark.slow
def test_daisy_shows_two_levels(built: tuple[dict, Path]) -> None:
    payload, _ = built
    mp3 = Path(payload["episode"]["mp3"])
    ncc = etree.parse(str(mp3.with_name(mp3.stem + ".daisy") / "ncc.html"))
    h1 = [e.text for e in ncc.xpath("//*[local-name()='h1']//*[local-name()='a']")]
    h2 = [e.text for e in ncc.xpath("//*[local-name()='h2']//*[local-name()='a']")]
    assert RUNDOWN in h1 and HEADLINES[1] in h1 and "一、原因" in h2


@pytest.mark.slow
def test_the_sentence_cache_is_shared_with_single_builds(
    articles: list[str], tmp_path: Path
) -> None:
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "audiobook" / "segments"

    def spoken() -> set[Path]:
        return set(cache.rglob("*.pcm"))

    single = ["build", articles[1], "--engine", "espeak", "--quiet", "-o"]
    assert runner.invoke(app, [*single, str(tmp_path / "a")]).exit_code == 0
    after_single = spoken()
    edition(tmp_path / "b", [articles[1]])
    # New: only the rundown (its title and 3 sentences); the articles' sentences are cached.
    assert len(spoken() - after_single) == 4
    # And the other way round: a single build after the edition speaks nothing.
    after_edition = spoken()
    for entry in after_single:
        entry.unlink()
    assert runner.invoke(app, [*single, str(tmp_path / "c")]).exit_code == 0
    edition(tmp_path / "d", [articles[1]])
    assert spoken() == after_edition


def test_a_failing_article_stops_the_edition_naming_it(articles: list[str], tmp_path: Path) -> None:
    missing = str(tmp_path / "gone.txt")
    result = runner.invoke(app, ["edition", articles[1], missing, "--title", "早报", "-o",
                                 str(tmp_path / "out"), "--engine", "espeak"])  # fmt: skip
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "article 2 of 2" in result.output
    assert missing in result.output
    assert not (tmp_path / "out" / "feed.xml").exists()


def test_skip_failed_leaves_it_out_and_says_so(articles: list[str], tmp_path: Path) -> None:
    missing = str(tmp_path / "gone.txt")
    payload = edition(tmp_path / "out", [articles[1], missing], "--skip-failed")
    assert [a["title"] for a in payload["articles"]] == ["停水通知"]
    assert payload["skipped"][0]["source"] == missing
    record = json.loads(next((tmp_path / "out" / "episodes").glob("*.build.json")).read_text())
    assert record["edition"]["skipped"][0]["source"] == missing


def test_folder_and_list_file(articles: list[str], tmp_path: Path) -> None:
    listing = tmp_path / "today.list"
    listing.write_text(f"# 今日\n{articles[1]}\n{articles[2]}\n", "utf-8")
    from audiobook.edition import expand_sources

    assert expand_sources([], [listing]) == articles[1:]
    folder = Path(articles[0]).parent
    assert expand_sources([str(folder)]) == [articles[1], articles[0]]  # by name
    result = runner.invoke(app, ["edition", str(tmp_path / "empty"), "--title", "x"])
    assert result.exit_code == 2 and result.output.count("\n") == 1


@pytest.mark.slow
def test_web_page_nests_chapters_and_links_the_articles(
    built: tuple[dict, Path], articles: list[str]
) -> None:
    _, out = built
    page = etree.parse(str(out / "index.html"), etree.HTMLParser())
    nested = page.xpath("//nav/ol/li[a[contains(., '社区图书馆')]]/ol/li/a/text()")
    assert any("下班后的读书时间" in t for t in nested)
    top = page.xpath("//nav/ol/li/a/text()")
    assert not any("下班后的读书时间" in t for t in top)
    assert page.xpath("//section[h3='本期文章']/ol/li/a/@href") == [articles[2]]
    transcript = page.xpath("//div[@class='transcript']/*")
    headings = [(e.tag, e.text) for e in transcript if e.tag in ("h4", "h5")]
    assert headings[:3] == [("h4", RUNDOWN), ("h4", HEADLINES[0]), ("h5", "下班后的读书时间")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--title", " "], "needs a --title"),
        (["--title", "早报", "--date", "2026-13-40"], "not a date"),
        (["--title", "早报", "--list", "/no/such/list"], "cannot read the list"),
    ],
)
def test_edition_usage_errors_are_one_line(
    articles: list[str], args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["edition", articles[1], *args])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and message in result.output
