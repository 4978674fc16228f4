"""Each published time format, at the edges where they differ: rounding or cutting,
padding, hours, and carries into the next minute."""

from __future__ import annotations

import io

import pytest
import srt
import webvtt

from audiobook.models import Cue
from audiobook.publish.timecode import (
    chapter_clock,
    duration_zh,
    hms,
    hms_millis,
    minutes_seconds,
    npt_seconds,
    smil_clock,
)
from audiobook.publish.transcript import render_srt, render_vtt


def test_chapter_clock_cuts_to_the_second_and_shows_hours_only_past_one() -> None:
    assert chapter_clock(0) == "00:00"
    assert chapter_clock(59.99) == "00:59"  # cut, never after the chapter's start
    assert chapter_clock(3599.9) == "59:59"
    assert chapter_clock(3600) == "1:00:00"
    assert chapter_clock(36000 + 61) == "10:01:01"


def test_hms_millis_rounds_once_and_carries() -> None:
    assert hms_millis(59.9996) == "00:01:00.000"
    assert hms_millis(3725.0409) == "01:02:05.041"
    assert hms_millis(1.5, ",") == "00:00:01,500"
    assert hms_millis(-0.01) == "00:00:00.000"


def test_hms_rounds_to_the_second_with_padded_hours() -> None:
    assert hms(0.4) == "00:00:00"
    assert hms(59.5) == "00:01:00"
    assert hms(3725.4) == "01:02:05"
    assert hms(360000) == "100:00:00"


def test_npt_seconds_is_a_smil1_clip_value() -> None:
    assert npt_seconds(0) == "npt=0.000s"
    assert npt_seconds(3725.0409) == "npt=3725.041s"


def test_smil_clock_has_unpadded_hours_and_milliseconds() -> None:
    assert smil_clock(0) == "0:00:00.000"
    assert smil_clock(3_725_041) == "1:02:05.041"
    assert smil_clock(59_999) == "0:00:59.999"


def test_listing_and_page_durations_round_to_the_second() -> None:
    assert minutes_seconds(125.4) == "2:05"
    assert minutes_seconds(59.5) == "1:00"
    assert minutes_seconds(7200) == "120:00"
    assert duration_zh(125.4) == "2 分 5 秒"
    assert duration_zh(9.6) == "10 秒"


@pytest.mark.parametrize("start", [0.0, 59.9996, 3725.0409, 7199.9994])
def test_transcript_times_read_back_by_independent_parsers(start: float) -> None:
    cues = [Cue("句子。", start, start + 1.25, 0)]
    vtt = webvtt.from_buffer(io.StringIO(render_vtt(cues)))
    begin = vtt.captions[0].start_in_seconds + vtt.captions[0].start_time.milliseconds / 1000
    assert abs(begin - start) < 0.0011
    parsed = list(srt.parse(render_srt(cues)))
    assert abs(parsed[0].start.total_seconds() - start) < 0.0011
