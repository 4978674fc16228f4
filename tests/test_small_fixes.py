"""Issue 14, item 11: the real port of ``serve --port 0``, no output folder from a build that
fails early, a closed stderr, control characters and length in titles."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from episode_builds import build, build_command, cli, env, request, tiny_article

from audiobook.pipeline import TITLE_MAX, clean_title
from audiobook.publish.store import Store


def test_clean_title() -> None:
    assert clean_title("\x1b[31m红色\x1b[0m标题\x7f") == "红色标题"
    assert clean_title("a\x1b]0;owned\x07b\x9bc\x00d") == "abcd"
    assert clean_title("一\t二\n三") == "一 二 三"
    assert clean_title("\u202e🎉 <b>") == "\u202e🎉 <b>"  # not control characters: escaped later
    long = clean_title("长" * 10_000)
    assert len(long) == TITLE_MAX and long.endswith("…")


@pytest.mark.slow
def test_control_characters_and_length_never_reach_the_feed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    title = "\x1b[31m今日\x7f要闻\x1b[0m" + "很" * 10_000
    build(tiny_article(tmp_path, "a"), out, "--title", title)
    (record,) = Store(out).episodes()
    assert record.title.startswith("今日要闻很") and len(record.title) == TITLE_MAX
    feed = (out / "feed.xml").read_text("utf-8")
    assert "[31m" not in feed and "\x7f" not in feed and "很" * TITLE_MAX not in feed


@pytest.mark.slow
def test_serve_port_0_prints_the_port_it_listens_on(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_text("<rss/>", "utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "audiobook", "serve", str(tmp_path), "--port", "0"],
        stderr=subprocess.PIPE, text=True, env=env(),
    )  # fmt: skip
    try:
        line = proc.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found and found.group(1) != "0", line
        assert request(found.group(0).rstrip("/"), "/feed.xml")[0] == 200
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert proc.returncode == 0


@pytest.mark.parametrize(
    "extra", [("--lexicon", "nope.toml"), ("--profile", "nope"), ("--cover", "nope.png")]
)
def test_a_build_that_fails_early_makes_no_output_folder(
    tmp_path: Path, extra: tuple[str, str]
) -> None:
    out = tmp_path / "new" / "out"
    proc = cli("build", str(tiny_article(tmp_path, "a")), "-o", str(out), *extra)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "new").exists()


@pytest.mark.slow
def test_a_closed_stderr_does_not_fail_a_build(tmp_path: Path) -> None:
    out = tmp_path / "out"
    read, write = os.pipe()
    os.close(read)  # nobody reads stderr
    try:
        proc = subprocess.run(
            build_command(tiny_article(tmp_path, "a"), out)[:-2],  # not --json, not --quiet
            stdout=subprocess.PIPE, stderr=write, env=env(), text=True, check=False,
        )  # fmt: skip
    finally:
        os.close(write)
    assert proc.returncode == 0
    (record,) = Store(out).episodes()
    assert str(out / record.mp3) in proc.stdout


@pytest.mark.slow
def test_a_relative_output_folder_publishes(tmp_path: Path) -> None:
    """``-o out`` (relative to the working folder): the store's root is relative while the
    episode files' targets are resolved; publishing once raised ValueError (exit 70)."""
    article = tiny_article(tmp_path, "relative")
    proc = subprocess.run(
        [sys.executable, "-m", "audiobook", "build", str(article), "--engine", "espeak",
         "-o", "out", "--quiet", "--epub"],
        capture_output=True, text=True, env=env(), cwd=tmp_path, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    record = Store(tmp_path / "out").episodes()[0]
    assert (tmp_path / "out" / record.mp3).is_file()
    assert (tmp_path / "out" / record.files["epub"]).is_file()
