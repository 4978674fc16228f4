from __future__ import annotations

import array
import os
import signal
import time
from pathlib import Path

import pytest
from audio_helpers import ebur128, peaky, rms_dbfs, speech_onset, tone

from audiobook.audio import (
    LAME_DELAY,
    FrameCounter,
    LoudnessTarget,
    Pauses,
    assemble,
    decode_file,
    decode_to_pcm,
    ffmpeg_exe,
    read_gapless,
    trim,
)
from audiobook.audio.encode import Mp3Encoder
from audiobook.audio.loudness import Scanner
from audiobook.errors import EngineError, PublishError
from audiobook.models import Segment, Speech


def _segments() -> list[Segment]:
    plan = [(0, 0, False), (0, 1, True), (1, 0, False), (1, 1, True), (2, 0, True)]
    return [Segment(s, i, f"句{s}{i}", f"句{s}{i}", end) for s, i, end in plan]


def test_chapters_start_where_each_section_is_heard(tmp_path: Path) -> None:
    segs = _segments()
    speeches = [tone(0.5 + 0.1 * n) for n in range(len(segs))]
    out = tmp_path / "e.mp3"
    result = assemble(speeches, segs, ["导语", "一", "二"], out, pauses=Pauses(0.3, 0.5, 1.2))
    assert [c.title for c in result.chapters] == ["导语", "一", "二"]
    pcm, rate = decode_file(out)
    decoded = len(pcm) / 2 / rate
    assert abs(decoded - result.duration_s) < 0.03
    for chapter in result.chapters:
        onset = speech_onset(pcm, rate, chapter.start_s)
        assert abs(onset - chapter.start_s) <= 0.05
        if chapter.start_s > 1:
            assert rms_dbfs(pcm, rate, chapter.start_s - 1.0, chapter.start_s - 0.05) < -50
    # chapters tile from the first speech to the end
    for a, b in zip(result.chapters, result.chapters[1:], strict=False):
        assert a.end_s == b.start_s
    assert result.chapters[-1].end_s == pytest.approx(result.duration_s, abs=0.001)


def test_cues_follow_segments(tmp_path: Path) -> None:
    segs = _segments()
    result = assemble([tone(0.4)] * len(segs), segs, ["a", "b", "c"], tmp_path / "e.mp3")
    assert [c.text for c in result.cues] == [s.display_text for s in segs]
    assert all(c.end_s > c.start_s for c in result.cues)
    assert all(a.end_s < b.start_s for a, b in zip(result.cues, result.cues[1:], strict=False))


def test_trim_removes_engine_padding() -> None:
    speech = tone(0.5, lead=0.4, tail=0.6)
    trimmed = trim(speech)
    seconds = len(trimmed) / 2 / speech.sample_rate
    assert 0.5 <= seconds <= 0.56


def test_nothing_to_speak(tmp_path: Path) -> None:
    with pytest.raises(EngineError):
        assemble([], [], [], tmp_path / "e.mp3")


def _book(n_sections: int, per_section: int) -> list[Segment]:
    return [
        Segment(s, i, f"句{s}-{i}", f"句{s}-{i}", i == per_section - 1)
        for s in range(n_sections)
        for i in range(per_section)
    ]


@pytest.mark.slow
@pytest.mark.parametrize("target", [LoudnessTarget(), LoudnessTarget(-20.0)])
def test_loudness_hits_target_on_the_final_file(tmp_path: Path, target: LoudnessTarget) -> None:
    segs = _book(3, 6)
    out = tmp_path / "e.mp3"
    result = assemble(
        (peaky(1.5 + 0.1 * (n % 4)) for n in range(len(segs))), segs, ["a", "b", "c"], out,
        loudness=target,
    )  # fmt: skip
    integrated, peak = ebur128(str(out))
    assert abs(integrated - target.integrated_lufs) <= 1.0
    assert peak <= -1.0
    assert result.loudness is not None
    assert abs(result.loudness.integrated_lufs - integrated) <= 0.2
    assert result.loudness.true_peak_dbtp <= -1.0
    assert result.loudness.mono_lufs == pytest.approx(integrated - 3.01, abs=0.2)


def test_mono_convention_is_three_db_louder(tmp_path: Path) -> None:
    segs = _book(1, 4)
    out = tmp_path / "e.mp3"
    assemble([tone(1.0)] * 4, segs, ["a"], out, loudness=LoudnessTarget(-18.0, dual_mono=False))
    integrated, _ = ebur128(str(out), dual_mono=False)
    assert abs(integrated - -18.0) <= 1.0


def test_streamed_speech_chapters_are_sample_accurate_after_limiting(tmp_path: Path) -> None:
    """Chapters must land on the decoded section onsets even through gain + limiter."""
    segs = _book(4, 3)
    out = tmp_path / "e.mp3"
    titles = ["一", "二", "三", "四"]
    speeches = (peaky(0.8) for _ in segs)
    result = assemble(speeches, segs, titles, out, pauses=Pauses(0.3, 0.5, 1.2))
    pcm, rate = decode_file(out)
    assert len(pcm) // 2 == result.samples
    for chapter in result.chapters:
        onset = speech_onset(pcm, rate, chapter.start_s)
        assert abs(onset - chapter.start_s) <= 0.03


def test_gapless_record_accounts_for_every_decoded_sample(tmp_path: Path) -> None:
    segs = _book(2, 2)
    out = tmp_path / "e.mp3"
    result = assemble([tone(0.7)] * 4, segs, ["a", "b"], out)
    assert result.gapless is not None
    assert read_gapless(out) == result.gapless
    raw, _ = decode_to_pcm(out.read_bytes())
    gap = result.gapless
    assert len(raw) // 2 == gap.delay + gap.samples + gap.padding
    assert gap.delay == LAME_DELAY and 0 <= gap.padding < 2 * 576


def test_no_seek_table_frame(tmp_path: Path) -> None:
    """No Xing/Info frame (ExoPlayer #10325): the first audio frame is audio."""
    out = tmp_path / "e.mp3"
    assemble([tone(0.5)], [Segment(0, 0, "a", "a", True)], ["t"], out)
    data = out.read_bytes()
    assert data[:3] == b"ID3"  # only our iTunSMPB record until the publisher tags it
    tag_size = sum((data[6 + i] & 0x7F) << (7 * (3 - i)) for i in range(4)) + 10
    first = data[tag_size : tag_size + 60]
    assert first[:2] in (b"\xff\xf3", b"\xff\xf2", b"\xff\xfb", b"\xff\xe3")
    # (LAME still stamps its name in ancillary bits; that is not a seek table.)
    assert b"Xing" not in first and b"Info" not in first


def test_frame_counter_handles_any_chunking(tmp_path: Path) -> None:
    out = tmp_path / "e.mp3"
    result = assemble([tone(2.0)], [Segment(0, 0, "a", "a", True)], ["t"], out)
    data = out.read_bytes()
    data = data[data.find(b"\xff") :]  # after the tag
    whole = FrameCounter()
    whole.feed(data)
    for size in (1, 3, 7, 1000):
        counter = FrameCounter()
        for i in range(0, len(data), size):
            counter.feed(data[i : i + size])
        assert counter.frames == whole.frames
    assert result.gapless is not None
    assert (
        whole.frames * 576 == result.gapless.delay + result.gapless.samples + result.gapless.padding
    )


def test_speeches_may_be_a_lazy_iterator_consumed_once(tmp_path: Path) -> None:
    segs = _book(2, 3)
    pulled: list[int] = []

    def lazy():  # type: ignore[no-untyped-def]
        for n in range(len(segs)):
            pulled.append(n)
            yield tone(0.3)

    result = assemble(lazy(), segs, ["a", "b"], tmp_path / "e.mp3")
    assert pulled == list(range(len(segs)))
    assert len(result.cues) == len(segs)


def test_too_few_speeches_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(EngineError):
        assemble(iter([tone(0.3)]), _book(1, 2), ["a"], tmp_path / "e.mp3")


def test_mixed_sample_rates_are_refused(tmp_path: Path) -> None:
    with pytest.raises(EngineError):
        assemble([tone(0.3), tone(0.3, 16000)], _book(1, 2), ["a"], tmp_path / "e.mp3")


@pytest.mark.slow
def test_speech_keeps_arriving_while_the_gain_is_tried(tmp_path: Path) -> None:
    """Past the prefix the gain trial runs on a thread while sentences keep coming; they are
    held, then encoded in order: nothing is lost or doubled, and the level still lands."""
    segs = _book(4, 10)  # 40 sentences, about 60 s: beyond the 30 s prefix
    started: list[int] = []
    pulled: list[int] = []

    def slow():  # type: ignore[no-untyped-def]
        for n in range(len(segs)):
            pulled.append(n)
            time.sleep(0.005)  # an engine that takes a moment per sentence
            yield tone(1.2 + 0.1 * (n % 3), 22050)

    out = tmp_path / "e.mp3"
    result = assemble(
        slow(), segs, ["a", "b", "c", "d"], out, on_encoding=lambda: started.append(len(pulled))
    )
    assert len(started) == 1 and 0 < started[0] < len(segs)  # the encoder began mid-stream
    pcm, _rate = decode_file(out)
    assert len(pcm) // 2 == result.samples
    integrated, peak = ebur128(str(out))
    assert abs(integrated - -16.0) <= 1.0 and peak <= -1.0
    # One encode: the streamed one (a second would come from the spool and hide a loss).
    assert result.loudness is not None and result.loudness.encodes == 1


def test_the_verifier_hears_the_whole_mp3_from_its_first_frame(tmp_path: Path) -> None:
    """The streamed verification is what ffmpeg measures on the finished file. The loud
    part comes first: a verifier that lost the stream's opening (ffmpeg reading keyboard
    commands from the pipe, or a filter graph opened twice) would read it far quieter."""
    quiet = array.array("h", tone(12.0, 22050, lead=0, tail=0).pcm)
    pcm = tone(8.0, 22050, lead=0, tail=0).pcm + array.array("h", (s // 8 for s in quiet)).tobytes()
    out = tmp_path / "v.mp3"
    encoder = Mp3Encoder(out, 22050, "64k", None, measure=True)
    for i in range(0, len(pcm), 8192):
        encoder.write(pcm[i : i + 8192])
    measured, frames = encoder.finish()
    assert measured is not None and measured.true_peak is not None
    integrated, true_peak = ebur128(str(out), dual_mono=False)
    assert measured.integrated == pytest.approx(integrated, abs=0.15)
    assert measured.true_peak == pytest.approx(true_peak, abs=0.3)
    assert frames.frames * frames.samples_per_frame >= len(pcm) // 2


def test_a_background_scanner_measures_what_a_plain_one_does() -> None:
    speech = peaky(12.0)
    plain = Scanner(speech.sample_rate)
    background = Scanner(speech.sample_rate, background=True)
    for scanner in (plain, background):
        for i in range(0, len(speech.pcm), 4096):
            scanner.write(speech.pcm[i : i + 4096])
    if hasattr(os, "getpriority"):
        assert os.getpriority(os.PRIO_PROCESS, background.proc.pid) >= 10
    assert background.finish() == plain.finish()


def test_killing_a_background_scanner_never_blocks_its_writers() -> None:
    scanner = Scanner(22050, background=True)
    os.kill(scanner.proc.pid, signal.SIGSTOP)  # a scanner that has stopped reading
    try:
        chunk = b"\0" * 65536
        for _ in range(64):  # more than any pipe holds: the backlog takes it
            scanner.write(chunk)
    finally:
        os.kill(scanner.proc.pid, signal.SIGCONT)
    started = time.monotonic()
    scanner.kill()
    assert time.monotonic() - started < 5
    with pytest.raises(PublishError):
        for _ in range(512):
            scanner.write(chunk)


def test_the_wheels_ffmpeg_comes_before_one_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A system ffmpeg may be years older than the one the project is tested with."""
    old = tmp_path / "ffmpeg"
    old.write_text("#!/bin/sh\nexit 1\n")
    old.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("IMAGEIO_FFMPEG_EXE", raising=False)
    ffmpeg_exe.cache_clear()  # looked up once per process
    try:
        assert Path(ffmpeg_exe()) != old
        speech = tone(0.5, 22050)
        out = tmp_path / "e.mp3"
        assemble([speech], [Segment(0, 0, "句", "句", True)], ["一"], out)
        assert decode_file(out)[1] == 22050
        ffmpeg_exe.cache_clear()
        monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(old))  # chosen on purpose: used as named
        assert ffmpeg_exe() == str(old)
    finally:
        ffmpeg_exe.cache_clear()


def test_each_segment_is_reported_once_it_has_gone_to_the_encoder(tmp_path: Path) -> None:
    """The encoding half of the progress report: every segment, in order, a silent one too
    (it reaches the episode as nothing), and only once its speech has been handed over."""
    segs = _book(2, 3)
    silent = Speech(b"\0\0" * 2400, 24000)
    speeches = [tone(0.5), tone(0.5), silent, tone(0.5), tone(0.5), tone(0.5)]
    handed: list[int] = []
    reported: list[Segment] = []

    def spoken():  # type: ignore[no-untyped-def]
        for n, speech in enumerate(speeches):
            handed.append(n)
            yield speech

    def assembled(seg: Segment) -> None:
        assert len(handed) == segs.index(seg) + 1  # its own speech taken, no more
        reported.append(seg)

    result = assemble(spoken(), segs, ["a", "b"], tmp_path / "e.mp3", on_assembled=assembled)
    assert reported == segs
    assert len(result.cues) == 5  # the silent sentence has no cue, but was reported
