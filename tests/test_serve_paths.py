"""``audiobook serve`` on a hand-made folder (no build needed): which files any spelling of a
path reaches, and how byte ranges are answered (RFC 9110 §14)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from episode_builds import request

from audiobook.serve import running

SECRET = b'{"source": "/home/editor/private/article.txt"}'
AUDIO = bytes(range(256)) * 4


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("site")
    out = root / "out"
    (out / "episodes").mkdir(parents=True)
    for name in ("episodes.json", "feed.json", "episodes/ep.build.json", ".audiobook.lock"):
        (out / name).write_bytes(SECRET)
    (out / ".build-x").mkdir()
    (out / ".build-x" / "episode.mp3").write_bytes(SECRET)
    (out / "feed.xml").write_bytes(b"<rss/>")
    (out / "episodes" / "ep.mp3").write_bytes(AUDIO)
    (out / "alias.json").symlink_to(out / "episodes.json")
    (out / "episodes" / "alias.mp3").symlink_to(out / "episodes" / "ep.build.json")
    (root / "secret.txt").write_bytes(SECRET)
    (out / "outside.txt").symlink_to(root / "secret.txt")
    with running(out) as url:
        yield url, out


@pytest.mark.parametrize(
    "path",
    [
        "/episodes.json", "/episodes.json/", "/feed.json/", "/episodes/ep.build.json/",
        "/episodes.json%2f", "/episodes.json%2F", "/episodes.json//", "/episodes.json/?a",
        "/episodes.json?a", "/episodes.json/.", "/./episodes.json", "//episodes.json",
        "/episodes/../episodes.json", "/episodes/%2e%2e/episodes.json", "/episodes%2fep.build.json",
        "/episodes/ep.build.json%2f", "/feed.json%00", "/alias.json", "/episodes/alias.mp3",
        "/.audiobook.lock", "/.build-x/episode.mp3", "/%2ebuild-x/episode.mp3",
        "/outside.txt", "/../secret.txt", "/episodes/..%2f..%2fsecret.txt", "/..%5csecret.txt",
    ],
)  # fmt: skip
def test_no_spelling_reaches_a_private_file(folder: tuple[str, Path], path: str) -> None:
    url, _ = folder
    for method in ("GET", "HEAD"):
        status, _, body = request(url, path, method=method)
        assert status in (400, 403, 404), (method, path, status)
        assert SECRET not in body


@pytest.mark.parametrize("path", ["/feed.xml", "/episodes/ep.mp3", "/episodes%2fep.mp3"])
def test_public_files_are_served(folder: tuple[str, Path], path: str) -> None:
    url, _ = folder
    status, _, body = request(url, path)
    assert status == 200 and body in (b"<rss/>", AUDIO)


@pytest.mark.parametrize(
    ("header", "status", "body"),
    [
        ("bytes=0-1", 206, AUDIO[:2]),
        ("bytes=-5", 206, AUDIO[-5:]),
        ("bytes=0-1,5-6", 200, AUDIO),  # several ranges: the whole file is a valid answer
        ("items=0-1", 200, AUDIO),  # an unknown unit is ignored
        ("bytes=-0", 416, b""),  # no bytes at all: unsatisfiable, not the whole file
        (f"bytes={len(AUDIO)}-", 416, b""),
    ],
)
def test_ranges(folder: tuple[str, Path], header: str, status: int, body: bytes) -> None:
    url, _ = folder
    got, headers, data = request(url, "/episodes/ep.mp3", headers={"Range": header})
    assert (got, data) == (status, body)
    if status == 416:
        assert headers["content-range"] == f"bytes */{len(AUDIO)}"
    assert headers["access-control-allow-origin"] == "*"
