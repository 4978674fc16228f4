"""Issue 6's bar on the real seed article (skipped where ../shared is absent): the finished
MP3 measures -16 LUFS within 1 LU with true peak at most -1 dBTP, and every chapter starts
within 30 ms of where its section's speech is heard, found by decoding."""

from __future__ import annotations

from pathlib import Path

import pytest
from audio_helpers import ebur128, speech_onset

from audiobook import pipeline, profiles
from audiobook.audio import decode_file


@pytest.mark.slow
def test_seed_episode_is_level_and_its_chapters_land(seed_article: Path, tmp_path: Path) -> None:
    espeak = profiles.resolve(engine="espeak")
    options = pipeline.BuildOptions(output=tmp_path / "out", profile=espeak, cache=False)
    result = pipeline.build(seed_article, options)
    mp3 = Path(result.episode.mp3)
    if not mp3.is_absolute():
        mp3 = tmp_path / "out" / mp3
    integrated, true_peak = ebur128(str(mp3))
    assert abs(integrated - -16.0) <= 1.0
    assert true_peak <= -1.0
    assert result.episode.loudness is not None
    assert abs(result.episode.loudness.integrated_lufs - integrated) <= 0.2
    pcm, rate = decode_file(mp3)
    assert len(result.episode.chapters) == 4
    for chapter in result.episode.chapters:
        # Sound starts where it first rises above -45 dBFS (the trim's own idea of silence);
        # a chapter starts 20 ms before that, so a jump never clips the first syllable.
        onset = speech_onset(pcm, rate, chapter.start_s, threshold=-45.0)
        assert abs(onset - chapter.start_s) <= 0.03
