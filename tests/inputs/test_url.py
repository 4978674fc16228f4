"""URL input against a local HTTP server the tests start: pages, redirects and failures."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import podcastparser
import pytest
from typer.testing import CliRunner

from audiobook.cli import app
from audiobook.errors import FetchError, InputError
from audiobook.inputs import load, url
from tests.fakes.fixtures import closed_port
from tests.inputs.pages import simplified, traditional

runner = CliRunner()
SEEN_AGENTS: list[str] = []


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        SEEN_AGENTS.append(self.headers.get("User-Agent", ""))
        path = self.path
        if path == "/page":  # charset only in the page's <meta>
            self._send(200, simplified("gb2312"), "text/html")
        elif path == "/big5":  # charset in the header only (the page declares big5 too)
            self._send(200, traditional("big5"), "text/html; charset=big5")
        elif path == "/text":
            self._send(200, "标题\n\n正文第一句。\n".encode("gb18030"), "text/plain")
        elif path.startswith("/hop/"):
            n = int(path.rsplit("/", 1)[1])
            self._redirect("/page" if n == 0 else f"/hop/{n - 1}")
        elif path == "/loop":
            self._redirect("/loop")
        elif path == "/missing":
            self._send(404, b"<html><body>Not Found</body></html>", "text/html")
        elif path == "/broken":
            self._send(500, b"oops", "text/plain")
        elif path == "/slow":
            time.sleep(3)
            self._send(200, simplified(), "text/html")
        elif path == "/huge":
            self._send(200, b"<html><body>" + b"<p>" + "字".encode() * 100_000, "text/html")
        elif path == "/image":
            self._send(200, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png")
        else:
            self._send(404, b"", "text/plain")

    def _send(self, code: int, body: bytes, kind: str) -> None:
        try:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first (the timeout and size tests): as intended

    def _redirect(self, where: str) -> None:
        self.send_response(302)
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def sections(address: str) -> dict:
    result = runner.invoke(app, ["sections", address, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_page_is_fetched_with_its_meta_charset_and_our_user_agent(server: str) -> None:
    payload = sections(f"{server}/page")
    assert payload["title"] == "社区图书馆开出“深夜书房”"
    assert "首页" not in json.dumps(payload, ensure_ascii=False)
    assert SEEN_AGENTS[-1].startswith("audiobook/")


def test_header_charset_and_plain_text(server: str) -> None:
    document = load(f"{server}/big5")
    assert document.encoding == "big5hkscs" and "偏鄉小學" in document.text
    text = load(f"{server}/text")
    assert text.encoding == "gb18030" and "正文第一句" in text.text


def test_redirects_are_followed_and_the_final_url_kept(server: str) -> None:
    document = load(f"{server}/hop/3")
    assert document.link == document.source == f"{server}/page"


@pytest.mark.parametrize(
    ("path", "error", "code", "message"),
    [
        ("/hop/9", FetchError, 5, "too many redirects"),
        ("/loop", FetchError, 5, "too many redirects"),
        ("/missing", InputError, 2, "HTTP 404"),
        ("/broken", FetchError, 5, "server failed (HTTP 500"),
        ("/huge", InputError, 2, "larger than"),
        ("/image", InputError, 2, "image/png"),
    ],
)
def test_failures_are_one_line_with_their_exit_code(
    server: str, monkeypatch: pytest.MonkeyPatch, path: str, error: type, code: int, message: str
) -> None:
    monkeypatch.setattr(url, "MAX_PAGE_BYTES", 100_000)
    with pytest.raises(error, match=re.escape(message)):
        load(server + path)
    result = runner.invoke(app, ["sections", server + path])
    assert result.exit_code == code, result.output
    assert result.output.count("\n") == 1 and message in result.output


def test_timeout(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(url, "TIMEOUT_S", 0.5)
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        load(f"{server}/slow")
    assert time.monotonic() - started < 2.5


def test_network_failures(server: str) -> None:
    for address, message in [
        (f"http://127.0.0.1:{closed_port()}/a", "cannot connect"),
        ("http://no-such-host.invalid/a", "cannot resolve host"),
        (server.replace("http://", "https://") + "/page", "TLS failed"),
    ]:
        result = runner.invoke(app, ["sections", address])
        assert result.exit_code == 5, result.output
        assert message in result.output and result.output.count("\n") == 1


@pytest.mark.parametrize("address", ["http://", "http:// spaced.example/a", "ftp://example.org/a"])
def test_bad_addresses_exit_2(address: str) -> None:
    result = runner.invoke(app, ["sections", address])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1


@pytest.mark.slow
def test_build_records_the_final_url_as_the_episode_link(server: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", f"{server}/hop/1", "--engine", "espeak", "-o", str(out),
                                 "--json", "--quiet"])  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads(next((out / "episodes").glob("*.build.json")).read_text("utf-8"))
    assert record["source"] == record["link"] == f"{server}/page"
    feed = feedparser.parse(str(out / "feed.xml"))
    assert feed.entries[0].link == f"{server}/page"
    with (out / "feed.xml").open("rb") as handle:
        parsed = podcastparser.parse(f"{server}/feed.xml", handle)
    assert parsed["episodes"][0]["link"] == f"{server}/page"
