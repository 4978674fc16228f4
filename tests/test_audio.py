from __future__ import annotations

from pathlib import Path

import pytest
from audio_helpers import rms_dbfs, speech_onset, tone

from audiobook.audio import Pauses, assemble, decode_file, trim
from audiobook.errors import EngineError
from audiobook.models import Segment


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
    for a, b in zip(result.chapters, result.chapters[1:]):
        assert a.end_s == b.start_s
    assert result.chapters[-1].end_s == pytest.approx(result.duration_s, abs=0.001)


def test_cues_follow_segments(tmp_path: Path) -> None:
    segs = _segments()
    result = assemble([tone(0.4)] * len(segs), segs, ["a", "b", "c"], tmp_path / "e.mp3")
    assert [c.text for c in result.cues] == [s.display_text for s in segs]
    assert all(c.end_s > c.start_s for c in result.cues)
    assert all(a.end_s < b.start_s for a, b in zip(result.cues, result.cues[1:]))


def test_trim_removes_engine_padding() -> None:
    speech = tone(0.5, lead=0.4, tail=0.6)
    trimmed = trim(speech)
    seconds = len(trimmed) / 2 / speech.sample_rate
    assert 0.5 <= seconds <= 0.56


def test_nothing_to_speak(tmp_path: Path) -> None:
    with pytest.raises(EngineError):
        assemble([], [], [], tmp_path / "e.mp3")
