"""The Microsoft voice end to end: the real edge_tts client against the local fake service."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import feedparser
import pytest
import webvtt
from audio_helpers import speech_onset
from conftest import EXAMPLE
from typer.testing import CliRunner

from audiobook.audio import decode_file
from audiobook.cli import app
from audiobook.errors import ConfigError

runner = CliRunner()


def _build(out: Path, *extra: str) -> dict[str, Any]:
    args = ["build", str(EXAMPLE), "-o", str(out), "--engine", "edge", "--no-cache"]
    result = runner.invoke(app, [*args, *extra, "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["episode"]


@pytest.mark.slow
def test_flaky_service_still_gives_every_sentence(
    make_edge_service: Callable[..., Any], tmp_path: Path
) -> None:
    make_edge_service()
    clean = _build(tmp_path / "clean")
    make_edge_service(drop_rate=0.2, no_audio_rate=0.05, seed=3)
    flaky = _build(tmp_path / "flaky")
    assert flaky["engine"] == "edge" and flaky["voice"] == "zh-CN-YunyangNeural"
    assert abs(flaky["duration_s"] - clean["duration_s"]) <= 0.02 * clean["duration_s"]
    assert [c["title"] for c in flaky["chapters"]] == [c["title"] for c in clean["chapters"]]
    pcm, rate = decode_file(Path(flaky["mp3"]))
    for chapter in flaky["chapters"]:
        assert abs(speech_onset(pcm, rate, chapter["start_s"]) - chapter["start_s"]) <= 0.05
    vtt = Path(flaky["mp3"]).with_suffix(".vtt")
    captions = webvtt.read(str(vtt))
    assert len(captions) >= 10
    assert captions[0].text and "這" not in "".join(c.text for c in captions)
    feed = feedparser.parse((tmp_path / "flaky" / "feed.xml").read_bytes())
    assert feed.entries[0].enclosures[0].length == str(Path(flaky["mp3"]).stat().st_size)


@pytest.mark.slow
def test_auto_uses_the_service_when_it_answers(
    make_edge_service: Callable[..., Any], tmp_path: Path
) -> None:
    make_edge_service()
    result = runner.invoke(app, ["build", str(EXAMPLE), "-o", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["episode"]["engine"] == "edge"
    assert "Microsoft speech service answered" in result.stderr


@pytest.mark.slow
def test_service_down_fails_cleanly_and_feed_untouched(
    edge_down: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    runner.invoke(app, ["build", str(EXAMPLE), "-o", str(out), "--engine", "espeak", "--quiet"])
    before = (out / "feed.xml").read_bytes()
    result = runner.invoke(app, ["build", str(EXAMPLE), "-o", str(out), "--engine", "edge",
                                 "--no-cache", "--title", "另一期"])  # fmt: skip
    assert result.exit_code == 3
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: section 1") and "cannot connect" in last
    assert (out / "feed.xml").read_bytes() == before


@pytest.mark.slow
def test_a_voice_the_service_does_not_offer_is_refused_before_speaking(
    make_edge_service: Callable[..., Any], tmp_path: Path
) -> None:
    service = make_edge_service()
    out = tmp_path / "out"
    args = ["build", str(EXAMPLE), "-o", str(out), "--engine", "edge", "--no-cache"]
    result = runner.invoke(app, [*args, "--voice", "zh-CN-XiaoxaoNeural"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert "no voice 'zh-CN-XiaoxaoNeural'; did you mean zh-CN-XiaoxiaoNeural" in lines[-1]
    assert service.stats.handshakes == 0  # not one sentence was sent, so none was retried
    assert not (out / "feed.xml").exists()
    # A voice the list has builds; so does any voice when no list can be had (the build
    # then finds out for itself).
    assert _build(tmp_path / "ok", "--voice", "zh-CN-XiaoxiaoNeural")["voice"] == (
        "zh-CN-XiaoxiaoNeural"
    )


def test_a_cached_voice_list_is_asked_again_before_a_voice_is_refused(
    make_edge_service: Callable[..., Any], tmp_path: Path
) -> None:
    from audiobook.engines import edge
    from audiobook.pipeline import cache_root

    make_edge_service()
    cached = edge.list_voices(cache_dir=cache_root())
    stale = [v for v in cached if v["ShortName"] != "zh-CN-YunxiNeural"]  # added since
    cache_file = next(cache_root().glob("edge-voices-*.json"))
    data = json.loads(cache_file.read_text("utf-8"))
    cache_file.write_text(json.dumps({**data, "voices": stale}), "utf-8")
    edge.check_voice("zh-CN-YunxiNeural", cache_dir=cache_root())  # found in a fresh list
    with pytest.raises(ConfigError, match="no voice 'zh-CN-NobodyNeural'"):
        edge.check_voice("zh-CN-NobodyNeural", cache_dir=cache_root())
