"""One check of public URLs (audiobook.publish.urls) on every path in: ``build --base-url``,
``feed init``, ``feed set`` and a hand-edited ``feed.json``. A bad URL exits 2 before any
speech, and nothing is published."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from episode_builds import tiny_article
from typer.testing import CliRunner

from audiobook import pipeline
from audiobook.cli import app
from audiobook.errors import ConfigError
from audiobook.publish.urls import public_url
from tests.fakes.edge_service import FakeEdgeService

runner = CliRunner()

BAD = [
    "not a url",
    'https://a.b/x"><script>',
    "https://a.b/x'onload='x",
    "https://a.b/<b>",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "ftp://example.org/pod",
    "example.org/pod",
    "https://",
    "https://user:secret@example.org/pod",
    "https://example.org/pod?x=1",
    "https://example.org/pod#top",
    "https://example.org/a b",
    "https://example.org:99999/pod",
    "https://exa_mple.org/pod",
    "https://example.org/100%",
    "https://例子.中国/pod",
    "https://example.org/\x1b[31m",
]
GOOD = [
    "https://example.org/pod",
    "http://example.org:8080/pod/",
    "https://[::1]:8000/pod",
    "https://cdn.example.org/%E6%92%AD%E5%AE%A2",
    "  https://example.org/pod  ",
]


@pytest.mark.parametrize("value", BAD)
def test_bad_urls_are_refused_by_the_one_check(value: str) -> None:
    with pytest.raises(ConfigError, match="base_url must be an http"):
        public_url("base_url", value)


@pytest.mark.parametrize("value", GOOD)
def test_good_urls_pass_stripped(value: str) -> None:
    assert public_url("base_url", value) == value.strip()
    assert public_url("link", "https://example.org/show?id=3#latest")


@pytest.mark.parametrize("value", BAD)
def test_build_refuses_a_bad_base_url_before_speech(
    value: str, edge_service: FakeEdgeService, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    article = tiny_article(tmp_path, "a")
    args = ["build", str(article), "-o", str(out), "--engine", "edge", "--base-url", value]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "base_url must be an http(s) URL" in lines[0]
    assert edge_service.stats.handshakes == 0
    assert not (out / "feed.xml").exists()
    with pytest.raises(ConfigError):
        pipeline.BuildOptions(output=out, base_url=value)  # the library refuses it too


@pytest.mark.parametrize("value", BAD[:3])
@pytest.mark.parametrize("key", ["base_url", "link"])
def test_feed_init_and_set_refuse_the_same_urls(key: str, value: str, tmp_path: Path) -> None:
    out = tmp_path / "site"
    flag = "--" + key.replace("_", "-")
    result = runner.invoke(app, ["feed", "init", "-o", str(out), "-y", flag, value])
    assert result.exit_code == 2 and f"{key} must be an http(s) URL" in result.stderr
    assert not (out / "feed.json").exists()
    assert runner.invoke(app, ["feed", "init", "-o", str(out), "-y"]).exit_code == 0
    before = (out / "feed.json").read_bytes()
    result = runner.invoke(app, ["feed", "set", key, value, "-o", str(out)])
    assert result.exit_code == 2 and f"{key} must be an http(s) URL" in result.stderr
    assert (out / "feed.json").read_bytes() == before


@pytest.mark.slow
def test_a_hand_edited_feed_json_is_checked_before_speech_and_can_be_repaired(
    tmp_path: Path,
) -> None:
    out = tmp_path / "site"
    article = tiny_article(tmp_path, "a")
    assert runner.invoke(app, ["feed", "init", "-o", str(out), "-y"]).exit_code == 0
    settings = json.loads((out / "feed.json").read_text("utf-8"))
    settings["base_url"] = 'https://a.b/x"><script>'
    (out / "feed.json").write_text(json.dumps(settings), "utf-8")
    feed = (out / "feed.xml").read_bytes()

    build = ["build", str(article), "-o", str(out), "--engine", "espeak", "--quiet"]
    result = runner.invoke(app, build)
    assert result.exit_code == 2, result.output
    assert "feed.json" in result.stderr and "feed set base_url" in result.stderr
    assert (out / "feed.xml").read_bytes() == feed
    assert not list(out.glob("episodes/*.mp3"))  # refused before speech, nothing published

    # A build that gives the URL replaces the bad one; so does feed set.
    result = runner.invoke(app, [*build, "--base-url", "https://example.org/pod", "--json"])
    assert result.exit_code == 0, result.output
    assert 'url="https://example.org/pod/episodes/' in (out / "feed.xml").read_text("utf-8")
    settings["base_url"] = "not a url"
    (out / "feed.json").write_text(json.dumps(settings), "utf-8")
    assert runner.invoke(app, ["feed", "list", "-o", str(out)]).exit_code == 0
    result = runner.invoke(app, ["feed", "set", "title", "早报", "-o", str(out)])
    assert result.exit_code == 2
    result = runner.invoke(
        app, ["feed", "set", "base_url", "https://example.org/x", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads((out / "feed.json").read_text("utf-8"))["base_url"] == (
        "https://example.org/x"
    )
