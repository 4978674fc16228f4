"""``audiobook feed init/set/list/remove`` through the CLI runner, checking real files."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from episode_builds import image
from lxml import etree
from PIL import Image
from typer.testing import CliRunner

from audiobook import feed_cli
from audiobook.cli import app
from audiobook.models import EpisodeFiles, EpisodeRecord
from audiobook.publish.feed import ITUNES_NS, PODCAST_NS, podcast_guid
from audiobook.publish.store import Store

runner = CliRunner()
NS = {"itunes": ITUNES_NS, "podcast": PODCAST_NS}


def _run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=input)
    return result.exit_code, result.output


def _channel(out: Path) -> etree._Element:
    return etree.fromstring((out / "feed.xml").read_bytes()).find("channel")


def test_init_with_flags_writes_settings_feed_page_and_cover(tmp_path: Path) -> None:
    out = tmp_path / "site"
    code, output = _run(
        "feed", "init", "-o", str(out), "-y", "--title", "每日早报", "--author", "编辑部",
        "--base-url", "https://example.org/pod", "--category", "news/daily news",
        "--email", "editor@example.org", "--explicit",
    )  # fmt: skip
    assert code == 0, output
    settings = json.loads((out / "feed.json").read_text("utf-8"))
    assert settings["title"] == "每日早报"
    assert settings["category"] == "News/Daily News"
    channel = _channel(out)
    assert channel.findtext("title") == "每日早报"
    assert channel.findtext("itunes:explicit", namespaces=NS) == "true"
    assert channel.findtext("podcast:guid", namespaces=NS) == podcast_guid(
        "example.org/pod/feed.xml"
    )
    assert channel.find("itunes:image", NS).get("href") == "https://example.org/pod/cover.jpg"
    with Image.open(out / "cover.jpg") as cover:
        assert (cover.format, cover.mode, cover.size) == ("JPEG", "RGB", (1400, 1400))
    assert "每日早报" in (out / "index.html").read_text("utf-8")


def test_init_prompts_with_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_cli, "_interactive", lambda: True)
    out = tmp_path / "site"
    # title, author, description, base_url, category, language, email; then explicit?
    answers = "晚间新闻\n\n\nhttps://example.org/x\nTechnology\n\n\nn\n"
    code, output = _run("feed", "init", "-o", str(out), input=answers)
    assert code == 0, output
    settings = json.loads((out / "feed.json").read_text("utf-8"))
    assert settings["title"] == "晚间新闻"
    assert settings["author"] == "audiobook"  # the default, accepted with Enter
    assert settings["base_url"] == "https://example.org/x"
    assert settings["category"] == "Technology"
    assert settings["explicit"] is False


def test_set_changes_one_setting_and_rerenders(tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert _run("feed", "init", "-o", str(out), "-y")[0] == 0
    cover_before = (out / "cover.jpg").read_bytes()
    code, output = _run("feed", "set", "title", "新名字", "-o", str(out))
    assert code == 0, output
    assert _channel(out).findtext("title") == "新名字"
    assert (out / "cover.jpg").read_bytes() != cover_before  # generated cover follows title
    assert _run("feed", "set", "explicit", "yes", "-o", str(out))[0] == 0
    assert _channel(out).findtext("itunes:explicit", namespaces=NS) == "true"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("category", "Podcasts", "not one of Apple's"),
        ("explicit", "perhaps", "true or false"),
        ("colour", "red", "unknown feed setting"),
        ("base_url", "example.org", "http(s) URL"),
    ],
)
def test_bad_settings_are_one_line_errors(
    tmp_path: Path, key: str, value: str, message: str
) -> None:
    out = tmp_path / "site"
    assert _run("feed", "init", "-o", str(out), "-y")[0] == 0
    before = (out / "feed.xml").read_bytes()
    code, output = _run("feed", "set", key, value, "-o", str(out))
    assert code == 2
    assert message in output and "Traceback" not in output
    assert len(output.strip().splitlines()) == 1
    assert (out / "feed.xml").read_bytes() == before


def test_cover_is_checked_and_installed(tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert _run("feed", "init", "-o", str(out), "-y")[0] == 0
    bad = {
        "small.jpg": image(tmp_path / "small.jpg", (1000, 1000)),
        "wide.jpg": image(tmp_path / "wide.jpg", (2000, 1500)),
        "huge.png": image(tmp_path / "huge.png", (3200, 3200), kind="PNG"),
        "alpha.png": image(tmp_path / "alpha.png", (1400, 1400), "RGBA", "PNG"),
        "grey.jpg": image(tmp_path / "grey.jpg", (1400, 1400), "L"),
        "lying.png": image(tmp_path / "lying.png", (1400, 1400)),  # JPEG named .png
    }
    (tmp_path / "text.jpg").write_text("not an image")
    for name in [*bad, "text.jpg", "missing.jpg"]:
        code, output = _run("feed", "set", "cover", str(tmp_path / name), "-o", str(out))
        assert code == 2, (name, output)
        assert output.startswith("error: ") and "Traceback" not in output
    good = image(tmp_path / "art.png", (1500, 1500), kind="PNG")
    code, output = _run("feed", "set", "cover", str(good), "-o", str(out))
    assert code == 0, output
    assert (out / "cover.png").read_bytes() == good.read_bytes()
    assert _channel(out).find("itunes:image", NS).get("href") == "cover.png"


def _fake_episode(out: Path, episode: str) -> EpisodeRecord:
    files = {k: f"episodes/{episode}.{k}" for k in ("mp3", "vtt")}
    for name in files.values():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(b"x")
    return EpisodeRecord(
        id=episode, guid=f"urn:uuid:{episode}", title=f"标题 {episode}", mp3=files["mp3"],
        bytes=1, duration_s=61.0, pub_date="2026-11-25T08:00:00+00:00", engine="espeak",
        voice="v", chapters=(), files=EpisodeFiles(**files),
    )  # fmt: skip


def test_list_and_remove(tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert _run("feed", "init", "-o", str(out), "-y")[0] == 0
    store = Store(out)
    store.save_episodes([_fake_episode(out, "one"), _fake_episode(out, "two")])
    code, output = _run("feed", "list", "-o", str(out), "--json")
    assert code == 0
    assert sorted(e["id"] for e in json.loads(output)) == ["one", "two"]
    code, output = _run("feed", "list", "-o", str(out))
    assert "标题 one" in output and "1:01" in output
    code, output = _run("feed", "remove", "one", "-o", str(out))
    assert code == 0, output
    assert not (out / "episodes/one.mp3").exists() and not (out / "episodes/one.vtt").exists()
    assert (out / "episodes/two.mp3").exists()
    assert [i.findtext("guid") for i in _channel(out).findall("item")] == ["urn:uuid:two"]
    code, output = _run("feed", "remove", "nope", "-o", str(out))
    assert code == 2 and "no episode 'nope'" in output


def test_remove_refuses_files_outside_episodes(tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert _run("feed", "init", "-o", str(out), "-y")[0] == 0
    evil = _fake_episode(out, "evil")
    record = replace(evil, files=evil.files.with_files({"vtt": "../precious.txt"}))
    (tmp_path / "precious.txt").write_text("keep me")
    Store(out).save_episodes([record])
    code, output = _run("feed", "remove", "evil", "-o", str(out))
    assert code != 0 and "outside" in output
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_set_without_a_feed_says_what_to_do(tmp_path: Path) -> None:
    code, output = _run("feed", "set", "title", "x", "-o", str(tmp_path / "none"))
    assert code == 2 and "feed init" in output
