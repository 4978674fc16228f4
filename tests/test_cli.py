"""End to end through the CLI runner: real files in, a decoded MP3 and parsed feed out."""

from __future__ import annotations

import io
import json
from pathlib import Path

import feedparser
import podcastparser
import pytest
from audio_helpers import rms_dbfs, speech_onset
from conftest import EXAMPLE
from typer.testing import CliRunner

from audiobook.audio import decode_file
from audiobook.cli import app
from audiobook.publish.id3 import read_chapters

runner = CliRunner()


def build(*args: str) -> dict:
    result = runner.invoke(app, ["build", *args, "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("out")
    mp = pytest.MonkeyPatch()
    # auto: the (closed) local endpoint does not answer, so the offline voice is chosen
    mp.setenv("AUDIOBOOK_EDGE_ENDPOINT", "ws://127.0.0.1:9/edge/v1?x=1")
    try:
        return build(str(EXAMPLE), "--output", str(out)), out
    finally:
        mp.undo()


def test_auto_falls_back_to_offline_voice(built: tuple[dict, Path]) -> None:
    payload, _ = built
    assert payload["episode"]["engine"] == "espeak"
    assert payload["episode"]["voice"].startswith("espeak-ng")


def test_chapters_are_the_sections_and_start_at_their_audio(built: tuple[dict, Path]) -> None:
    payload, _ = built
    episode = payload["episode"]
    chapters = episode["chapters"]
    assert [c["title"] for c in chapters][1:] == ["一、从一封来信开始", "二、志愿者每天朗读两小时"]
    pcm, rate = decode_file(Path(episode["mp3"]))
    assert abs(len(pcm) / 2 / rate - episode["duration_s"]) < 0.05
    assert episode["duration_s"] > 20
    for chapter in chapters:
        onset = speech_onset(pcm, rate, chapter["start_s"])
        assert abs(onset - chapter["start_s"]) <= 0.05
        if chapter is not chapters[0]:
            # the longer pause between sections is right before the chapter start
            assert rms_dbfs(pcm, rate, chapter["start_s"] - 1.0, chapter["start_s"] - 0.05) < -50
    tagged = read_chapters(Path(episode["mp3"]))
    assert [c.title for c in tagged] == [c["title"] for c in chapters]
    for got, want in zip(tagged, chapters, strict=True):
        assert abs(got.start_s - want["start_s"]) < 0.002


def test_feed_is_read_by_independent_parsers(built: tuple[dict, Path]) -> None:
    payload, out = built
    feed = Path(payload["feed"])
    assert feed == out / "feed.xml"
    size = Path(payload["episode"]["mp3"]).stat().st_size
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo
    assert len(parsed.entries) == 1
    assert int(parsed.entries[0].enclosures[0].length) == size
    pod = podcastparser.parse("http://localhost/feed.xml", io.BytesIO(feed.read_bytes()))
    assert pod["episodes"][0]["enclosures"][0]["file_size"] == size
    assert pod["episodes"][0]["total_time"] == round(payload["episode"]["duration_s"])


def test_second_article_adds_an_item(built: tuple[dict, Path], tmp_path: Path) -> None:
    _, out = built
    other = tmp_path / "other.txt"
    other.write_text("第二篇文章\n本报记者 王五\n今天天气很好。我们去公园散步。\n", "utf-8")
    payload = build(str(other), "--output", str(out), "--engine", "espeak")
    parsed = feedparser.parse((out / "feed.xml").read_bytes())
    assert len(parsed.entries) == 2
    assert payload["episode"]["title"] in {e.title for e in parsed.entries}


def test_sections_json_is_clean_simplified(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sections", str(EXAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["byline"] == "本报记者 林晓雯"
    text = "".join(s["text"] for s in data["sections"])
    assert "这里" in text and "這裡" not in text
    assert "https://" not in text and "责编" not in text and "分享到" not in text
    assert "\u200b" not in text


def test_stdin_input(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sections", "-", "--json"], input="标题\n正文第一句。第二句。\n")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["title"] == "标题"
    assert [(s["title"], s["text"]) for s in data["sections"]] == [("标题", "正文第一句。第二句。")]


def test_stdin_gives_what_the_same_file_gives(tmp_path: Path) -> None:
    """An article piped in (as bytes, in the legacy GB 18030 a Chinese page may arrive in)
    is read, decoded, cleaned and sectioned exactly as the same article in a file is."""
    legacy = tmp_path / "jianfu-gb.txt"
    legacy.write_bytes(EXAMPLE.read_text("utf-8").encode("gb18030"))
    from_file = runner.invoke(app, ["sections", str(legacy), "--json"])
    piped = runner.invoke(app, ["sections", "-", "--json"], input=legacy.read_bytes())
    assert from_file.exit_code == 0 and piped.exit_code == 0, piped.output
    assert json.loads(piped.stdout) == json.loads(from_file.stdout)
    assert json.loads(piped.stdout)["byline"] == "本报记者 林晓雯"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\x00\x01\x02\xff" * 100, "binary"), (b"\n\n   \n", "empty")],
)
def test_bad_input_is_one_line_error(tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(bad), "--output", str(out), "--engine", "espeak"])
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in result.output
    assert not (out / "feed.xml").exists()


def test_failed_build_leaves_feed_untouched(built: tuple[dict, Path], tmp_path: Path) -> None:
    _, out = built
    before = (out / "feed.xml").read_bytes()
    result = runner.invoke(app, ["build", str(tmp_path / "missing.txt"), "--output", str(out)])
    assert result.exit_code == 2
    assert (out / "feed.xml").read_bytes() == before


def test_unknown_profile_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(EXAMPLE), "--profile", "nope", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "no voice profile" in result.stderr


@pytest.mark.slow
def test_daisy_edition_of_a_built_episode(built: tuple[dict, Path]) -> None:
    from daisy_checks import check_fileset

    payload, out = built
    mp3 = Path(payload["episode"]["mp3"])
    result = runner.invoke(app, ["daisy", mp3.stem, "--output", str(out)])
    assert result.exit_code == 0, result.output
    folder = mp3.with_name(mp3.stem + ".daisy")
    assert Path(result.stdout.strip()) == folder.with_name(folder.name + ".zip")
    found = check_fileset(folder)
    titles = [c["title"] for c in payload["episode"]["chapters"]]
    assert found["headings"] == [payload["episode"]["title"], *titles]
    assert len(found["clips"]) >= 10  # a clip per sentence


def test_daisy_unknown_episode(tmp_path: Path) -> None:
    result = runner.invoke(app, ["daisy", "nope", "--output", str(tmp_path)])
    assert result.exit_code != 0
    assert "no episode" in result.stderr


def test_clean_diff_names_rules_and_keep_turns_one_off(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(
        "标题\n正文第一句，见 https://example.com/x 。\n记者 张三 摄\n第二句话在这里。\n", "utf-8"
    )
    diff = runner.invoke(app, ["clean", str(article), "--diff"])
    assert diff.exit_code == 0, diff.output
    assert "[url]" in diff.stdout
    kept = runner.invoke(app, ["clean", str(article), "--keep", "url"])
    assert kept.exit_code == 0, kept.output
    assert "https://example.com/x" in kept.stdout
    bogus = runner.invoke(app, ["clean", str(article), "--keep", "bogus"])
    assert bogus.exit_code == 2 and "unknown cleaning rule(s): bogus" in bogus.stderr
    build = runner.invoke(app, ["build", str(article), "-o", str(tmp_path), "--keep", "bogus"])
    assert build.exit_code == 2 and "unknown cleaning rule(s): bogus" in build.stderr


def test_unusable_output_folder_is_one_line(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    result = runner.invoke(app, ["build", str(EXAMPLE), "-o", str(a_file), "--engine", "espeak"])
    assert result.exit_code == 4
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: {a_file}: cannot write")


@pytest.mark.slow
def test_markdown_book_nests_chapters_in_id3_and_daisy(tmp_path: Path) -> None:
    from daisy_checks import check_fileset
    from lxml import etree
    from mutagen.id3 import ID3, CTOCFlags

    book = tmp_path / "book.md"
    book.write_text(
        "# 小书\n\n# 第一章 出发\n\n早上我们出发了。\n\n## 第一节 路上\n\n路上很安静。\n\n"
        "## 第二节 到达\n\n中午到了。\n\n# 第二章 回家\n\n晚上回家。\n",
        "utf-8",
    )
    out = tmp_path / "out"
    payload = build(str(book), "-o", str(out), "--engine", "espeak", "--daisy")
    chapters = payload["episode"]["chapters"]
    levels = {c["title"]: c["level"] for c in chapters}
    assert levels["第一节 路上"] == levels["第一章 出发"] + 1
    mp3 = Path(payload["episode"]["mp3"])
    tocs = ID3(mp3).getall("CTOC")
    top = [t for t in tocs if t.flags & CTOCFlags.TOP_LEVEL]
    assert len(top) == 1 and len(tocs) > 1  # the chapter with sections is its own table
    folder = mp3.with_name(mp3.stem + ".daisy")
    check_fileset(folder)
    ncc = etree.parse(str(folder / "ncc.html"))
    assert ncc.xpath("//*[local-name()='h2']")


@pytest.mark.slow
def test_progress_reports_speaking_and_then_encoding(tmp_path: Path) -> None:
    """Speech runs ahead of the encoder, so a single 'speaking' bar would sit at 100% while
    the MP3 is written: both halves are shown, each to its end."""
    result = runner.invoke(
        app, ["build", str(EXAMPLE), "--output", str(tmp_path / "out"), "--engine", "espeak"]
    )
    assert result.exit_code == 0, result.output
    bars = {line.split()[0]: line for line in result.stderr.splitlines() if "sentences" in line}
    assert set(bars) == {"speaking", "encoding"}
    done = [line.split("sentences")[0].split()[-1] for line in bars.values()]
    total = done[0].split("/")[1]
    assert done == [f"{total}/{total}"] * 2
