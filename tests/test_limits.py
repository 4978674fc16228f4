"""Issue 14, item 8: a text too long to speak is refused before any speech, and so is one
whose audio would not fit on the disk; the front end stays near-linear on long lines."""

from __future__ import annotations

import time
from collections import namedtuple
from pathlib import Path

import pytest
from episode_builds import tiny_article
from typer.testing import CliRunner

from audiobook import limits, pipeline
from audiobook.cli import app
from audiobook.text.normalise import normalise

Usage = namedtuple("Usage", "total used free")


def _build(article: Path, out: Path) -> tuple[int, str]:
    args = ["build", str(article), "-o", str(out), "--engine", "espeak", "-q"]
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.output


def test_too_long_a_text_is_refused_before_speech(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_SPOKEN_CHARS", 10)
    spoke = []
    monkeypatch.setattr(pipeline, "synthesize_iter", lambda *a, **k: spoke.append(a))
    code, output = _build(tiny_article(tmp_path, "a"), tmp_path / "out")
    assert code == 2 and "split it into parts" in output
    assert not spoke and not (tmp_path / "out").exists()


def test_audio_that_would_not_fit_is_refused_before_speech(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits.shutil, "disk_usage", lambda _: Usage(10**9, 10**9, 10**6))
    spoke = []
    monkeypatch.setattr(pipeline, "synthesize_iter", lambda *a, **k: spoke.append(a))
    code, output = _build(tiny_article(tmp_path, "a"), tmp_path / "out")
    assert code == 4 and "free needed" in output and len(output.strip().splitlines()) == 1
    assert not spoke and not (tmp_path / "out").exists()


def test_normalising_a_line_of_digits_is_linear() -> None:
    """Every number pattern used to be tried from every digit of a run: quadratic in the run
    (a 300-character segment of digits, the longest the script makes, took 30 ms)."""
    def cost(n: int) -> float:
        text = "1234567890" * (n // 10)
        start = time.perf_counter()
        for _ in range(5):
            normalise(text)
        return time.perf_counter() - start

    cost(300)
    assert cost(3000) < 30 * cost(300)  # 10x the text: about 10x the time, not 100x
    assert normalise("12.5% 3-4 5km 1,234") == normalise("12.5% 3-4 5km 1,234")
