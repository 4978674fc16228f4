"""The M4B edition: AAC-LC mono at the MP3's loudness, chapters both as a QuickTime chapter
track and as Nero ``chpl`` at the MP3's starts, audiobook tags and cover (mutagen, ffprobe),
part of the published folder, and the same timeline as the MP3 (decoded)."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
from audio_helpers import ebur128, speech_onset
from episode_builds import EXAMPLE, build, cli, tiny_article
from lxml import html
from mutagen.mp4 import MP4, Atom, Atoms

from audiobook.audio import LoudnessTarget, decode_file
from audiobook.publish.store import EpisodeRecord, Store

pytestmark = pytest.mark.slow

TITLE = "社区图书馆开出「有声书角」 视障读者有了新去处"


def _records(out: Path) -> dict[str, EpisodeRecord]:
    return {r.title: r for r in Store(out).episodes()}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, object]]]:
    """The example built with --m4b, and a tiny article given its M4B by ``audiobook m4b``."""
    out = tmp_path_factory.mktemp("m4b-site")
    built = build(EXAMPLE, out, "--m4b")
    build(tiny_article(out.parent, "later", "后来的一篇"), out, "--title", "后来的一篇")
    later = _records(out)["后来的一篇"]
    proc = cli("m4b", later.id, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out / _records(out)["后来的一篇"].files["m4b"])
    yield out, built


def _payload(handle: BinaryIO, atom: Atom, skip: int) -> bytes:
    handle.seek(atom.offset + 8 + skip)
    return handle.read(atom.length - 8 - skip)


def _quicktime_chapters(path: Path) -> list[float]:
    """Chapter starts (s) from the QuickTime chapter track: the text track the audio
    track's ``tref/chap`` names, its sample times from ``mdhd`` and ``stts``."""
    with path.open("rb") as handle:
        moov = Atoms(handle)[(b"moov",)]
        tracks = {}
        chap_ids: list[int] = []
        for trak in moov.findall(b"trak"):
            tkhd = _payload(handle, trak[(b"tkhd",)], 0)
            version = tkhd[0]
            track_id = struct.unpack(">I", tkhd[12:16] if version == 0 else tkhd[20:24])[0]
            tracks[track_id] = trak
            with_tref = [c for c in trak.children if c.name == b"tref"]
            if with_tref:
                # tref's children (mutagen does not parse them): size, type, track ids.
                data = _payload(handle, with_tref[0], 0)
                while data:
                    size, kind = struct.unpack(">I4s", data[:8])
                    if kind == b"chap":
                        chap_ids += list(struct.unpack(f">{(size - 8) // 4}I", data[8:size]))
                    data = data[size:]
        assert chap_ids, "no tref/chap: no QuickTime chapter track"
        text = tracks[chap_ids[0]]
        assert _payload(handle, text[b"mdia", b"hdlr"], 0)[8:12] == b"text"
        mdhd = _payload(handle, text[b"mdia", b"mdhd"], 0)
        timescale = struct.unpack(">I", mdhd[12:16] if mdhd[0] == 0 else mdhd[20:24])[0]
        stts = _payload(handle, text[b"mdia", b"minf", b"stbl", b"stts"], 0)
        (count,) = struct.unpack(">I", stts[4:8])
        starts, now = [], 0
        for i in range(count):
            samples, delta = struct.unpack(">II", stts[8 + 8 * i : 16 + 8 * i])
            for _ in range(samples):
                starts.append(now / timescale)
                now += delta
        return starts


def test_m4b_codec_tags_and_both_chapter_lists(site: tuple[Path, dict[str, object]]) -> None:
    out, _ = site
    for record in Store(out).episodes():
        path = out / record.files["m4b"]
        audio = MP4(path)
        assert audio.info.codec == "mp4a.40.2"  # AAC-LC
        assert audio.info.channels == 1
        assert audio.tags is not None
        assert audio.tags["\xa9nam"] == [record.title]
        assert audio.tags["\xa9alb"] == [Store(out).settings().title]
        assert audio.tags["\xa9day"] == [record.pub_date[:4]]
        assert audio.tags["\xa9ART"] and audio.tags["stik"] == [2]  # audiobook
        assert audio.tags["covr"] and len(bytes(audio.tags["covr"][0])) > 1000
        mp3_starts = [c.start_s for c in record.chapters]
        assert audio.chapters is not None  # Nero chpl
        nero = [c.start for c in audio.chapters]
        assert [c.title for c in audio.chapters] == [c.title for c in record.chapters]
        quicktime = _quicktime_chapters(path)
        for starts in (nero, quicktime):
            assert len(starts) == len(mp3_starts)
            # The first chapter takes the lead-in silence (a chapter track starts at 0).
            assert starts[0] == 0.0 and mp3_starts[0] < 1.0
            for mine, theirs in zip(starts[1:], mp3_starts[1:], strict=True):
                assert abs(mine - theirs) <= 0.03, (starts, mp3_starts)
        # faststart: the index before the audio.
        with path.open("rb") as handle:
            names = [a.name for a in Atoms(handle).atoms]
        assert names.index(b"moov") < names.index(b"mdat")


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="needs ffprobe")
def test_ffprobe_sees_aac_lc_mono_and_the_chapters(site: tuple[Path, dict[str, object]]) -> None:
    out, _ = site
    record = _records(out)[TITLE]
    proc = subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-show_streams", "-of", "json",
         str(out / record.files["m4b"])],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    probe = json.loads(proc.stdout)
    audio = [s for s in probe["streams"] if s["codec_type"] == "audio"]
    assert len(audio) == 1 and audio[0]["codec_name"] == "aac" and audio[0]["profile"] == "LC"
    assert audio[0]["channels"] == 1
    assert any(s.get("disposition", {}).get("attached_pic") for s in probe["streams"])
    starts = [float(c["start_time"]) for c in probe["chapters"]]
    titles = [c["tags"]["title"] for c in probe["chapters"]]
    assert titles == [c.title for c in record.chapters]
    for mine, chapter in zip(starts[1:], record.chapters[1:], strict=True):
        assert abs(mine - chapter.start_s) <= 0.03


def test_same_timeline_and_loudness_as_the_mp3(site: tuple[Path, dict[str, object]]) -> None:
    out, _ = site
    record = _records(out)[TITLE]
    m4b, mp3 = out / record.files["m4b"], out / record.mp3
    # Built (from the PCM) and made later by `audiobook m4b` (from the MP3, its priming cut):
    # speech starts where it starts in the MP3, at every chapter.
    for each in (record, _records(out).get("后来的一篇")):
        if each is None:  # removed by the last test of a full run
            continue
        pcm, rate = decode_file(out / each.files["m4b"])
        mp3_pcm, mp3_rate = decode_file(out / each.mp3)
        assert abs(len(pcm) / 2 / rate - each.duration_s) < 0.05
        for chapter in each.chapters:
            start = chapter.start_s
            heard = speech_onset(pcm, rate, start)
            assert abs(heard - speech_onset(mp3_pcm, mp3_rate, start)) <= 0.01
            if each is record:  # the seed's chapters begin on a clear onset
                assert abs(heard - start) <= 0.03
    target = LoudnessTarget()
    integrated, peak = ebur128(str(m4b))
    mp3_integrated, _ = ebur128(str(mp3))
    assert abs(integrated - target.integrated_lufs) <= target.tolerance_lu
    # The AAC is measured and encoded again until it is the MP3's loudness (0.2 LU; ffmpeg
    # prints 0.1 LU steps) and under the true-peak ceiling.
    assert abs(integrated - mp3_integrated) <= 0.3
    assert peak <= target.true_peak_dbtp + 0.05


def test_offered_on_the_page_in_json_and_removed(site: tuple[Path, dict[str, object]]) -> None:
    out, built = site
    records = _records(out)
    page = html.fromstring((out / "index.html").read_bytes())
    for record in records.values():
        links = page.xpath(f"//article[@id='ep-{record.id}']//a[@type='audio/mp4']/@href")
        assert links == [record.files["m4b"]]
    episode = built["episode"]
    assert isinstance(episode, dict)
    assert episode["files"]["m4b"] == str(out / records[TITLE].files["m4b"])
    assert all(u.endswith(".mp3") for u in html.fromstring(
        (out / "feed.xml").read_bytes()).xpath("//enclosure/@url"))  # fmt: skip
    later = records["后来的一篇"]
    path = out / later.files["m4b"]
    proc = cli("feed", "remove", later.id, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert not path.exists()
