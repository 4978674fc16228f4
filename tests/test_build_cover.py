"""``audiobook build --cover FILE``: the image is checked like ``feed set cover`` and, when
right, published with the episode as the feed's artwork."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from episode_builds import build, build_args, cli, image, tiny_article
from lxml import etree, html

from audiobook.publish.feed import ITUNES_NS

pytestmark = pytest.mark.slow


def _published(out: Path) -> dict[str, bytes]:
    """Every file in the folder and its episodes/ (not the lock), by relative name."""
    files = [p for p in sorted(out.rglob("*")) if p.is_file() and p.name != ".audiobook.lock"]
    return {str(p.relative_to(out)): p.read_bytes() for p in files}


@pytest.mark.parametrize(
    ("name", "size", "mode", "kind", "message"),
    [
        ("wide.jpg", (2000, 1500), "RGB", "JPEG", "square"),
        ("small.png", (800, 800), "RGB", "PNG", "1400–3000"),
        ("alpha.png", (1400, 1400), "RGBA", "PNG", "RGB"),
        ("lying.png", (1400, 1400), "RGB", "JPEG", "its name ends in"),
        ("missing.jpg", None, "RGB", "JPEG", "no such cover"),
    ],
)  # fmt: skip
def test_bad_cover_is_one_line_and_publishes_nothing(
    tmp_path: Path,
    name: str,
    size: tuple[int, int] | None,
    mode: str,
    kind: str,
    message: str,
) -> None:
    out = tmp_path / "site"
    first = tiny_article(tmp_path, "first", "第一篇")
    build(first, out, "--title", "第一篇")
    before = _published(out)
    cover = tmp_path / name if size is None else image(tmp_path / name, size, mode, kind)
    article = tiny_article(tmp_path, "second", "第二篇")
    proc = cli(*build_args(article, out, "--cover", str(cover)))
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert _published(out) == before
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".build-")) == []


def test_good_cover_becomes_the_feed_artwork(tmp_path: Path) -> None:
    out = tmp_path / "site"
    art = image(tmp_path / "art.png", (1600, 1600), kind="PNG")
    build(tiny_article(tmp_path, "first", "第一篇"), out, "--title", "第一篇", "--cover", str(art))
    assert (out / "cover.png").read_bytes() == art.read_bytes()
    settings = json.loads((out / "feed.json").read_text("utf-8"))
    assert settings["cover"] == "cover.png"
    channel = etree.fromstring((out / "feed.xml").read_bytes()).find("channel")
    assert channel.find(f"{{{ITUNES_NS}}}image").get("href") == "cover.png"
    assert channel.findtext("image/url") in (None, "cover.png")
    page = html.fromstring((out / "index.html").read_bytes())
    assert page.xpath("//header/img/@src") == ["cover.png"]
    # Later builds without --cover keep it.
    build(tiny_article(tmp_path, "second", "第二篇"), out, "--title", "第二篇")
    assert json.loads((out / "feed.json").read_text("utf-8"))["cover"] == "cover.png"
    channel = etree.fromstring((out / "feed.xml").read_bytes()).find("channel")
    assert channel.find(f"{{{ITUNES_NS}}}image").get("href") == "cover.png"
    assert not list(out.glob(".build-*"))
