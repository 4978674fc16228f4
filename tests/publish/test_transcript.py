"""Transcripts are read back with independent parsers (webvtt-py, srt)."""

from __future__ import annotations

import html
import io
from datetime import timedelta
from pathlib import Path

import pytest
import srt
import webvtt
from hypothesis import given
from hypothesis import strategies as st

from audiobook.models import Cue
from audiobook.publish.transcript import render_srt, render_vtt, write_srt, write_vtt

CUES = [
    Cue("今天天气很好。", 0.5, 2.25, 0),
    Cue("我们去公园 & 散步 <快>。", 2.75, 5.0, 0),
    Cue("第二部分开始了。", 3725.0004, 3727.9996, 1),
]


def vtt_seconds(stamp: str) -> float:
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def test_vtt_reads_back_with_text_and_times(tmp_path: Path) -> None:
    path = tmp_path / "ep.vtt"
    write_vtt(CUES, path)
    captions = webvtt.read(str(path))
    assert [html.unescape(c.text) for c in captions] == [c.text for c in CUES]
    assert [(c.start, c.end) for c in captions][2] == ("01:02:05.000", "01:02:08.000")
    for caption, cue in zip(captions, CUES, strict=True):
        assert vtt_seconds(caption.start) == pytest.approx(cue.start_s, abs=0.0005)
        assert vtt_seconds(caption.end) == pytest.approx(cue.end_s, abs=0.0005)
    assert path.read_text("utf-8").startswith("WEBVTT\n\n1\n")


def test_srt_reads_back_with_text_and_times(tmp_path: Path) -> None:
    path = tmp_path / "ep.srt"
    write_srt(CUES, path)
    subs = list(srt.parse(path.read_text("utf-8")))
    assert [s.index for s in subs] == [1, 2, 3]
    assert [s.content for s in subs] == [c.text for c in CUES]
    assert subs[2].start == timedelta(hours=1, minutes=2, seconds=5)
    assert subs[2].end == timedelta(hours=1, minutes=2, seconds=8)


def test_newlines_cannot_break_a_cue() -> None:
    cues = [Cue("第一行\n\n第二行", 0, 1, 0), Cue("下一句", 1, 2, 0)]
    assert [s.content for s in srt.parse(render_srt(cues))] == ["第一行 第二行", "下一句"]
    vtt = webvtt.from_buffer(io.StringIO(render_vtt(cues)))
    assert [c.text for c in vtt] == ["第一行 第二行", "下一句"]


def test_empty_and_zero_length_cues_are_skipped_and_numbering_stays_dense() -> None:
    cues = [Cue("一。", 0, 1, 0), Cue("  ", 1, 2, 0), Cue("……", 2, 2, 0), Cue("二。", 2, 3, 0)]
    subs = list(srt.parse(render_srt(cues)))
    assert [(s.index, s.content) for s in subs] == [(1, "一。"), (2, "二。")]


def test_a_cue_ending_before_it_starts_is_a_bug_upstream() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        render_vtt([Cue("一。", 2.0, 1.0, 0)])


def test_writing_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "ep.srt"
    write_srt(CUES, path)
    write_srt(CUES[:1], path)
    assert len(list(srt.parse(path.read_text("utf-8")))) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["ep.srt"]


texts = st.text(
    alphabet=st.characters(codec="utf-8", categories=["Lo", "Nd", "Po", "Zs"]), min_size=1
).filter(lambda t: t.strip())


@given(
    st.lists(st.tuples(texts, st.floats(0, 40_000), st.floats(0.002, 30)), min_size=1, max_size=8)
)
def test_any_cues_round_trip_through_both_formats(items: list[tuple[str, float, float]]) -> None:
    cues = [Cue(text, start, start + length, 0) for text, start, length in items]
    subs = list(srt.parse(render_srt(cues)))
    captions = list(webvtt.from_buffer(io.StringIO(render_vtt(cues))))
    assert len(subs) == len(captions) == len(cues)
    for cue, sub, caption in zip(cues, subs, captions, strict=True):
        expected = " ".join(cue.text.split())
        assert sub.content == expected
        assert html.unescape(caption.text) == expected
        assert sub.start.total_seconds() == pytest.approx(cue.start_s, abs=0.0005)
        assert sub.end.total_seconds() == pytest.approx(cue.end_s, abs=0.0005)
        assert vtt_seconds(caption.start) == pytest.approx(cue.start_s, abs=0.0005)
