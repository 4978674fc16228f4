"""The EPUB 3 read-along edition: valid (EPUBCheck, zero errors and warnings), accessible
metadata, Media Overlays whose clips are the record's cue times and land on the speech, and
part of the published folder (record, page, --json, feed remove)."""

from __future__ import annotations

import itertools
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from audio_helpers import rms_dbfs
from episode_builds import EXAMPLE, build, cli, tiny_article
from lxml import etree, html

from audiobook.audio import decode_file
from audiobook.publish.store import EpisodeRecord, Store

pytestmark = pytest.mark.slow

EPUBCHECK = Path("/usr/share/java/epubcheck.jar")
NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "x": "http://www.w3.org/1999/xhtml",
    "s": "http://www.w3.org/ns/SMIL",
    "epub": "http://www.idpf.org/2007/ops",
}


def _records(out: Path) -> dict[str, EpisodeRecord]:
    return {r.title: r for r in Store(out).episodes()}


def _ms(value: str) -> int:
    """A SMIL full clock value (h:mm:ss.fff) in milliseconds."""
    hours, minutes, seconds = value.split(":")
    return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, object]]]:
    """The example built with --epub, and a tiny article given its EPUB later by
    ``audiobook epub``."""
    out = tmp_path_factory.mktemp("epub-site")
    built = build(EXAMPLE, out, "--epub")
    build(tiny_article(out.parent, "later", "后来的一篇"), out, "--title", "后来的一篇")
    later = _records(out)["后来的一篇"]
    proc = cli("epub", later.id, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out / _records(out)["后来的一篇"].files["epub"])
    yield out, built


def _epubs(out: Path) -> list[Path]:
    return [out / r.files["epub"] for r in Store(out).episodes()]


@pytest.mark.skipif(
    shutil.which("java") is None or not EPUBCHECK.is_file(), reason="needs Java and EPUBCheck"
)
def test_epubcheck_finds_no_errors_or_warnings(site: tuple[Path, dict[str, object]]) -> None:
    out, _ = site
    for book in _epubs(out):
        proc = subprocess.run(
            ["java", "-jar", str(EPUBCHECK), str(book)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        report = proc.stdout + proc.stderr
        assert proc.returncode == 0, report
        assert "No errors or warnings detected." in report, report
        assert "0 fatals / 0 errors / 0 warnings" in report, report


def test_package_metadata_and_structure(site: tuple[Path, dict[str, object]]) -> None:
    out, _ = site
    for record in Store(out).episodes():
        with zipfile.ZipFile(out / record.files["epub"]) as book:
            first = book.infolist()[0]
            assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
            assert book.read("mimetype") == b"application/epub+zip"
            opf = etree.fromstring(book.read("EPUB/package.opf"))
            props: dict[str, list[str]] = {}
            for meta in opf.xpath("//opf:meta[@property][not(@refines)]", namespaces=NS):
                props.setdefault(meta.get("property"), []).append(meta.text)
            assert set(props["schema:accessMode"]) == {"textual", "auditory"}
            assert "textual" in props["schema:accessModeSufficient"]
            assert "synchronizedAudioText" in props["schema:accessibilityFeature"]
            assert props["schema:accessibilitySummary"][0]
            assert props["dcterms:conformsTo"] == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
            assert props["media:active-class"] == ["-epub-media-overlay-active"]
            assert opf.xpath("//opf:item[@properties='cover-image']", namespaces=NS)
            assert opf.xpath("string(//*[local-name()='language'])") == "zh-Hans"
            # media:duration: one per overlay, and the total is their sum.
            refined = opf.xpath("//opf:meta[@property='media:duration'][@refines]", namespaces=NS)
            overlays = opf.xpath("//opf:item[@media-type='application/smil+xml']", namespaces=NS)
            assert len(refined) == len(overlays) == len(record.chapters)
            assert sum(_ms(m.text) for m in refined) == _ms(props["media:duration"][0])
            # The nav document lists every section, in order; every content doc is zh-Hans.
            nav = etree.fromstring(book.read("EPUB/nav.xhtml"))
            toc = nav.xpath("//x:nav[@epub:type='toc']//x:a/text()", namespaces=NS)
            assert toc == [c.title for c in record.chapters]
            for item in opf.xpath("//opf:item[@media-overlay]", namespaces=NS):
                doc = etree.fromstring(book.read(f"EPUB/{item.get('href')}"))
                assert doc.get("lang") == "zh-Hans"
                assert doc.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-Hans"
                assert doc.xpath("//x:h1|//x:h2|//x:h3", namespaces=NS)


def test_overlay_clips_are_the_cue_times_and_land_on_the_speech(
    site: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    out, _ = site
    record = _records(out)["社区图书馆开出「有声书角」 视障读者有了新去处"]
    with zipfile.ZipFile(out / record.files["epub"]) as book:
        audio = tmp_path / "audio.mp3"
        audio.write_bytes(book.read("EPUB/audio/episode.mp3"))
        assert audio.read_bytes() == (out / record.mp3).read_bytes()
        pars = []
        for name in sorted(n for n in book.namelist() if n.endswith(".smil")):
            smil = etree.fromstring(book.read(name))
            for par in smil.xpath("//s:par", namespaces=NS):
                src = par.xpath("s:text/@src", namespaces=NS)[0]
                doc, fragment = src.split("#")
                content = etree.fromstring(book.read(f"EPUB/text/{Path(doc).name}"))
                text = content.xpath(f"string(//*[@id='{fragment}'])")
                clip = par.xpath("s:audio", namespaces=NS)[0]
                pars.append((text, _ms(clip.get("clipBegin")), _ms(clip.get("clipEnd"))))
    pcm, rate = decode_file(audio)
    audio_ms = len(pcm) / 2 / rate * 1000
    # One par per sentence, in order, each clip the cue's own start (never re-estimated).
    assert [t for t, _b, _e in pars] == [c.text for c in record.cues]
    for (_t, begin, end), cue in zip(pars, record.cues, strict=True):
        assert begin == round(cue.start_s * 1000)
        assert 0 <= begin < end <= audio_ms + 1
    for (_t, _b, end), (_t2, begin, _e) in itertools.pairwise(pars):
        assert end == begin  # the clips tile the audio
    # Every clip starts within 50 ms of its sentence's decoded speech.
    for _t, begin, _e in pars:
        onset = _sentence_onset(pcm, rate, begin / 1000)
        assert abs(onset - begin / 1000) <= 0.05, (begin, onset)


def _sentence_onset(pcm: bytes, rate: int, near_s: float) -> float:
    """Where speech starts near ``near_s``: the first 5 ms window from 200 ms before it that
    turns loud (above -50 dBFS) after a quiet one. The pauses between sentences are digital
    silence, and between two close sentences the previous one's speech is still loud just
    before the cue, which a "first loud window" search (audio_helpers.speech_onset) takes
    for the onset."""
    t = max(0.0, near_s - 0.2)
    before = rms_dbfs(pcm, rate, t - 0.005, t) if t >= 0.005 else -120.0
    while t < near_s + 0.5:
        level = rms_dbfs(pcm, rate, t, t + 0.005)
        if level > -50 and before <= -50:
            return t
        before = level
        t += 0.005
    raise AssertionError(f"no speech starts near {near_s:.3f}s")


def test_offered_on_the_page_in_json_and_removed_with_the_episode(
    site: tuple[Path, dict[str, object]],
) -> None:
    out, built = site
    episode = built["episode"]
    assert isinstance(episode, dict)
    records = _records(out)
    page = html.fromstring((out / "index.html").read_bytes())
    for record in records.values():
        links = page.xpath(f"//article[@id='ep-{record.id}']//a[@type='application/epub+zip']")
        assert [a.get("href") for a in links] == [record.files["epub"]]
    main = records["社区图书馆开出「有声书角」 视障读者有了新去处"]
    assert episode["files"]["epub"] == str(out / main.files["epub"])  # type: ignore[index]
    build_json = (out / main.files["build"]).read_text("utf-8")
    assert '"epub"' in build_json
    # The feed's enclosure stays the MP3.
    feed = etree.parse(str(out / "feed.xml"))
    assert all(u.endswith(".mp3") for u in feed.xpath("//enclosure/@url"))
    later = records["后来的一篇"]
    path = out / later.files["epub"]
    assert path.is_file()
    proc = cli("feed", "remove", later.id, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert not path.exists()


def test_nav_nests_by_section_level() -> None:
    """An edition's articles (level 1) and their sections (level 2) nest in the nav."""
    from audiobook.models import Cue
    from audiobook.publish.daisy import Book
    from audiobook.publish.epub import _nav

    levels = (1, 1, 2, 2, 1, 2)
    book = Book(
        identifier="urn:uuid:x", title="今日", creator="编辑部", publisher="编辑部",
        date="2026-01-01", language="zh-Hans",
        section_titles=tuple(f"节{i}" for i in range(len(levels))), section_levels=levels,
        cues=tuple(Cue(f"句{i}", float(i), i + 0.5, i) for i in range(len(levels))),
        duration_s=float(len(levels)),
    )  # fmt: skip
    nav = _nav(book, range(len(levels)))
    top = nav.xpath("//x:nav[@id='toc']/x:ol", namespaces=NS)[0]
    outline = [
        (a.text, len(a.xpath("ancestor::x:ol", namespaces=NS)))
        for a in top.xpath(".//x:a", namespaces=NS)
    ]
    assert outline == [("节0", 1), ("节1", 1), ("节2", 2), ("节3", 2), ("节4", 1), ("节5", 2)]
