"""A book's text front end runs in a child process, so the main process stays small."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from episode_builds import EXAMPLE, ROOT, env, tiny_article

from audiobook import engines, pipeline, profiles
from audiobook.text import analysis


def _espeak() -> engines.Choice:
    profile = profiles.with_overrides(profiles.load(profiles.DEFAULT_PROFILE), engine="espeak")
    return engines.choose(profile)


def test_front_end_in_a_child_matches_the_in_process_one() -> None:
    engine = _espeak().engine
    options = pipeline.CleanOptions()
    prepared, segments = pipeline._front_end_in_child(EXAMPLE, options, engine, None)
    here = pipeline.prepare(EXAMPLE, options)
    assert prepared == here
    assert segments == pipeline._segments(here.article, engine, None)


def test_released_models_load_again_with_the_same_results() -> None:
    before = pipeline.prepare(EXAMPLE)
    analysis.release_models()
    assert pipeline.prepare(EXAMPLE) == before
    assert analysis.dictionary()


@pytest.mark.slow
def test_a_book_sized_input_builds_through_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    article = tiny_article(tmp_path, "book", "一本书")
    monkeypatch.setattr(pipeline, "ISOLATE_BYTES", 1)
    assert pipeline._isolate(article)
    espeak = profiles.resolve(engine="espeak")
    options = pipeline.BuildOptions(output=tmp_path / "out", profile=espeak, cache=False)
    result = pipeline.build(article, options)
    assert result.episode.title == "一本书"
    assert [c.title for c in result.episode.chapters][-2:] == ["一、第一部分", "二、第二部分"]


def test_importing_the_pipeline_loads_no_text_models() -> None:
    """jieba and pypinyin cost about 100 MB: only the processes that use them pay."""
    heavy = ("jieba", "pypinyin")
    code = f"import sys, audiobook.pipeline; print([m for m in {heavy!r} if m in sys.modules])"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env(), cwd=ROOT,
        check=True,
    )  # fmt: skip
    assert proc.stdout.strip() == "[]"
