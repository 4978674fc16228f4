"""``audiobook serve``: what a podcast app and a web player ask of the host."""

from __future__ import annotations

import io
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import feedparser
import podcastparser
import pytest
from episode_builds import EXAMPLE, build, request, tiny_article

from audiobook.publish.store import Store
from audiobook.serve import running

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Two episodes built with relative URLs, served from a background thread."""
    out = tmp_path_factory.mktemp("served")
    build(EXAMPLE, out)
    build(tiny_article(out.parent, "second", "第二篇"), out)
    (out.parent / "secret.txt").write_text("outside", "utf-8")
    with running(out) as url:
        yield url, out


def test_feed_through_http_reads_in_both_parsers(served: tuple[str, Path]) -> None:
    url, out = served
    status, headers, body = request(url, "/feed.xml")
    assert status == 200
    assert headers["content-type"].startswith("application/rss+xml")
    parsed = feedparser.parse(body)
    assert len(parsed.entries) == 2
    pod = podcastparser.parse(f"{url}/feed.xml", io.BytesIO(body))
    records = {r.guid: r for r in Store(out).episodes()}
    for episode in pod["episodes"]:
        record = records[episode["guid"]]
        enclosure = episode["enclosures"][0]
        assert enclosure["url"] == f"{url}/{record.mp3}"  # relative URL resolved against feed
        with urllib.request.urlopen(enclosure["url"]) as response:
            assert response.headers["Content-Type"] == "audio/mpeg"
            assert len(response.read()) == enclosure["file_size"]
        assert len(episode["chapters"]) == len(record.chapters)


def test_enclosures_answer_ranges(served: tuple[str, Path]) -> None:
    url, out = served
    record = Store(out).episodes()[0]
    data = (out / record.mp3).read_bytes()
    path = "/" + record.mp3
    status, headers, body = request(url, path, headers={"Range": "bytes=0-1"})
    assert (status, body) == (206, data[:2])
    assert headers["content-range"] == f"bytes 0-1/{len(data)}"
    status, headers, body = request(url, path, headers={"Range": "bytes=1000-"})
    assert (status, body) == (206, data[1000:])
    status, headers, body = request(url, path, headers={"Range": "bytes=-500"})
    assert (status, body) == (206, data[-500:])
    status, headers, _ = request(url, path, headers={"Range": f"bytes={len(data) + 10}-"})
    assert status == 416
    assert headers["content-range"] == f"bytes */{len(data)}"
    status, headers, body = request(url, path, method="HEAD")
    assert status == 200 and body == b""
    assert headers["content-length"] == str(len(data))
    assert headers["accept-ranges"] == "bytes"


def test_mime_types_and_cors(served: tuple[str, Path]) -> None:
    url, out = served
    record = Store(out).episodes()[0]
    expected = {
        record.files["chapters"]: "application/json+chapters",
        record.files["vtt"]: "text/vtt; charset=utf-8",
        record.files["srt"]: "application/x-subrip; charset=utf-8",
        "index.html": "text/html; charset=utf-8",
        "cover.jpg": "image/jpeg",
    }
    for name, mime in expected.items():
        status, headers, _ = request(url, "/" + name, headers={"Origin": "https://app.example"})
        assert status == 200, name
        assert headers["content-type"] == mime, name
        assert headers["access-control-allow-origin"] == "*", name
    status, headers, body = request(url, "/")
    assert status == 200 and b'lang="zh-CN"' in body
    status, headers, _ = request(url, "/" + record.files["vtt"], method="OPTIONS")
    assert status == 204 and "Range" in headers["access-control-allow-headers"]


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt", "/%2e%2e/secret.txt", "/episodes/..%2f..%2fsecret.txt",
        "/episodes/../../secret.txt", "/..%5csecret.txt", "/episodes.json", "/feed.json",
        "/.audiobook.lock", "/episodes/%2e%2e/%2e%2e/secret.txt",
    ],
)  # fmt: skip
def test_no_path_escape_and_no_private_files(served: tuple[str, Path], path: str) -> None:
    url, _ = served
    status, _, body = request(url, path)
    assert status in (400, 403, 404)
    assert b"outside" not in body


def test_build_records_are_private(served: tuple[str, Path]) -> None:
    url, out = served
    record = Store(out).episodes()[0]
    assert (out / record.files["build"]).exists()
    assert request(url, "/" + record.files["build"])[0] == 404


def test_serving_a_missing_folder_is_a_one_line_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from audiobook.cli import app

    result = CliRunner().invoke(app, ["serve", str(tmp_path / "nope"), "--port", "0"])
    assert result.exit_code == 2
    assert "no such folder" in result.output
    assert "Traceback" not in result.output
