"""The DAISY edition as part of the published folder: recorded in the episode, offered on the
web page, served as a zip, removed with its episode, and no way out of the folder."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from episode_builds import build, cli, request, tiny_article
from lxml import html

from audiobook.publish.store import EpisodeRecord, Store
from audiobook.serve import running

pytestmark = pytest.mark.slow


def _records(out: Path) -> dict[str, EpisodeRecord]:
    return {r.title: r for r in Store(out).episodes()}


def _daisy_links(out: Path) -> dict[str, str]:
    """Episode article id → href of its DAISY download link on index.html."""
    page = html.fromstring((out / "index.html").read_bytes())
    links = {}
    for article in page.xpath("//main/article"):
        hrefs = article.xpath(".//a[@type='application/zip']/@href")
        assert len(hrefs) <= 1
        if hrefs:
            links[article.get("id")] = hrefs[0]
    return links


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One episode built with --daisy, one given its edition later by ``audiobook daisy``,
    and one without; served."""
    out = tmp_path_factory.mktemp("daisy-site")
    build(tiny_article(out.parent, "one", "第一篇"), out, "--title", "第一篇", "--daisy")
    build(tiny_article(out.parent, "two", "第二篇"), out, "--title", "第二篇")
    build(tiny_article(out.parent, "three", "第三篇"), out, "--title", "第三篇")
    later = _records(out)["第二篇"]
    proc = cli("daisy", later.id, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    (out.parent / "secret.txt").write_text("outside", "utf-8")
    with running(out) as url:
        yield url, out


def test_daisy_edition_is_recorded_and_offered_on_the_page(site: tuple[str, Path]) -> None:
    url, out = site
    records = _records(out)
    links = _daisy_links(out)
    for title in ("第一篇", "第二篇"):
        record = records[title]
        stem = record.mp3.removesuffix(".mp3")
        assert record.files["daisy"] == f"{stem}.daisy"
        assert record.files["daisy_zip"] == f"{stem}.daisy.zip"
        assert (out / record.files["daisy"] / "ncc.html").is_file()
        assert links[f"ep-{record.id}"] == record.files["daisy_zip"]
    assert f"ep-{records['第三篇'].id}" not in links
    # The page's link, resolved as a browser would, fetches the zip through serve.
    for href in links.values():
        status, headers, body = request(url, urlsplit(urljoin(url + "/", href)).path)
        assert status == 200
        assert headers["content-type"] == "application/zip"
        assert body == (out / href).read_bytes()
        with zipfile.ZipFile(out / href) as archive:
            folder = Path(href).name.removesuffix(".zip")
            assert f"{folder}/ncc.html" in archive.namelist()
            assert f"{folder}/audio.mp3" in archive.namelist()


def test_daisy_fileset_is_served_without_escape(site: tuple[str, Path]) -> None:
    url, out = site
    folder = _records(out)["第一篇"].files["daisy"]
    status, headers, body = request(url, f"/{folder}/ncc.html")
    assert status == 200 and headers["content-type"].startswith("text/html")
    smil = sorted((out / folder).glob("*.smil"))[0].name
    status, headers, _ = request(url, f"/{folder}/{smil}")
    assert status == 200 and headers["content-type"] == "application/smil"
    # A link planted in the fileset that points outside is not followed.
    os.symlink(out.parent / "secret.txt", out / folder / "planted.html")
    escapes = [
        f"/{folder}/", f"/{folder}", f"/{folder}/planted.html", f"/{folder}/../../../secret.txt",
        f"/{folder}/%2e%2e/%2e%2e/%2e%2e/secret.txt", f"/{folder}/..%2f..%2f..%2fsecret.txt",
        f"/{folder}/..%5c..%5c..%5csecret.txt",
    ]  # fmt: skip
    for path in escapes:
        status, _, body = request(url, path)
        assert status in (400, 403, 404), path
        assert b"outside" not in body, path


def test_remove_and_rebuild_take_the_daisy_edition_along(tmp_path: Path) -> None:
    out = tmp_path / "site"
    article = tiny_article(tmp_path, "gone", "将被删除")
    build(article, out, "--title", "将被删除", "--daisy")
    build(tiny_article(tmp_path, "kept", "保留的一篇"), out, "--title", "保留的一篇")
    record = _records(out)["将被删除"]
    daisy, archive = out / record.files["daisy"], out / record.files["daisy_zip"]
    assert daisy.is_dir() and archive.is_file()
    # A rebuild without --daisy drops the edition of the old audio, files and link alike.
    build(article, out, "--title", "将被删除")
    assert not daisy.exists() and not archive.exists()
    assert "daisy" not in _records(out)["将被删除"].files
    assert _daisy_links(out) == {}
    build(article, out, "--title", "将被删除", "--daisy")
    record = _records(out)["将被删除"]
    daisy, archive = out / record.files["daisy"], out / record.files["daisy_zip"]
    assert daisy.is_dir() and archive.is_file() and _daisy_links(out)
    build(article, out, "--title", "将被删除", "--daisy")  # over the edition it has
    record = _records(out)["将被删除"]
    assert not daisy.exists() and not archive.exists()  # each build's files have new names
    daisy, archive = out / record.files["daisy"], out / record.files["daisy_zip"]
    assert daisy.is_dir() and archive.is_file() and "daisy" in record.files
    assert not [p.name for p in daisy.parent.iterdir() if p.name.startswith(".")]
    # feed remove deletes every file of the episode: audio, chapters, transcripts, build
    # record and the DAISY fileset and zip.
    stem = record.mp3.removeprefix("episodes/").removesuffix(".mp3")
    own = sorted(p.name for p in (out / "episodes").iterdir() if p.name.startswith(record.id + "."))
    assert {".mp3", ".vtt", ".srt", ".chapters.json", ".build.json", ".daisy", ".daisy.zip"} == {
        name.removeprefix(stem) for name in own
    }
    proc = cli("feed", "remove", record.id, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    left = [p.name for p in (out / "episodes").iterdir()]
    assert left and not [name for name in left if name.startswith(record.id + ".")]
    assert _daisy_links(out) == {}
    assert list(_records(out)) == ["保留的一篇"]


def test_build_publishes_the_episode_and_its_edition_in_one_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from audiobook import pipeline, profiles
    from audiobook.publish import site as site_module

    commits: list[int] = []
    real_commit = site_module.commit

    def counting_commit(*args: object, **kwargs: object) -> None:
        commits.append(1)
        real_commit(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(site_module, "commit", counting_commit)
    out = tmp_path / "out"
    espeak = profiles.resolve(engine="espeak")
    options = pipeline.BuildOptions(output=out, profile=espeak, cache=False, daisy=True)
    record = pipeline.build(tiny_article(tmp_path, "one", "一次"), options).record
    assert len(commits) == 1
    assert (out / record.files["daisy"] / "ncc.html").is_file()
    assert zipfile.ZipFile(out / record.files["daisy_zip"]).testzip() is None


def test_an_edition_that_cannot_be_written_publishes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from audiobook import pipeline, profiles
    from audiobook.errors import PublishError
    from audiobook.publish import daisy

    out = tmp_path / "out"
    espeak = profiles.resolve(engine="espeak")
    first = pipeline.BuildOptions(output=out, profile=espeak, cache=False)
    pipeline.build(tiny_article(tmp_path, "one", "第一篇"), first)
    feed, before = (out / "feed.xml").read_bytes(), Store(out).episodes()
    files = sorted(p.name for p in (out / "episodes").iterdir())

    def broken(*_args: object) -> Path:
        raise PublishError("disk full")

    monkeypatch.setattr(daisy, "write_daisy", broken)
    options = pipeline.BuildOptions(output=out, profile=espeak, cache=False, daisy=True)
    with pytest.raises(PublishError, match="disk full"):
        pipeline.build(tiny_article(tmp_path, "two", "第二篇"), options)
    assert (out / "feed.xml").read_bytes() == feed
    assert Store(out).episodes() == before
    assert sorted(p.name for p in (out / "episodes").iterdir()) == files


def test_the_edition_is_as_readable_as_any_file_the_user_makes(tmp_path: Path) -> None:
    """Its folder came from mkdtemp (0700) and its zip from mkstemp (0600): a web server
    reading the folder as another user got 403 for the download index.html offers."""
    out = tmp_path / "site"
    build(tiny_article(tmp_path, "a", "可读的一篇"), out, "--daisy")
    record = next(iter(_records(out).values()))
    plain_dir, plain_file = tmp_path / "plain", tmp_path / "plain.txt"
    plain_dir.mkdir()
    plain_file.write_text("x")
    folder, archive = out / record.files["daisy"], out / record.files["daisy_zip"]
    assert folder.stat().st_mode & 0o777 == plain_dir.stat().st_mode & 0o777
    assert archive.stat().st_mode & 0o777 == plain_file.stat().st_mode & 0o777
    for inside in folder.iterdir():
        assert inside.stat().st_mode & 0o777 == plain_file.stat().st_mode & 0o777, inside
