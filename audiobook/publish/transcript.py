"""Transcripts beside each episode: WebVTT (for podcast apps and ``podcast:transcript``) and SRT.

One cue per sentence, timed from the assembled audio (see :mod:`audiobook.audio`). Both
formats are small enough to write directly; edge-tts's bundled SRT composer was not used
because it floors times to the millisecond (we round, so a cue never starts before its
sentence by a rounding error) and silently re-sorts and drops cues, which would hide timing
bugs upstream instead of failing a test.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from audiobook.atomic import atomic_write
from audiobook.models import Cue
from audiobook.publish.timecode import hms_millis


def _one_line(text: str) -> str:
    # A blank line ends a cue in both formats; a sentence is shown as one line anyway.
    return re.sub(r"\s+", " ", text).strip()


#: Written before a cue heard in the fallback voice (``--fallback``): a WebVTT comment, so
#: players show the sentence as usual and a reader of the file sees the disclosure.
FALLBACK_NOTE = "NOTE fallback: the next sentence is spoken by the offline voice"


def _timed(cues: Sequence[Cue]) -> list[tuple[float, float, str, bool]]:
    """(start, end, text, fallback) per cue worth showing: empty or zero-length cues are
    skipped; a cue that ends before it starts is an upstream timing bug and raises."""
    out = []
    for cue in cues:
        text = _one_line(cue.text)
        if cue.end_s < cue.start_s:
            raise ValueError(f"cue ends before it starts: {cue!r}")
        if not text or round(cue.end_s * 1000) <= round(cue.start_s * 1000):
            continue
        out.append((cue.start_s, cue.end_s, text, cue.fallback))
    return out


def _vtt_escape(text: str) -> str:
    # "&" and "<" start entities and tags in cue text; "-->" would end the timing line.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_vtt(cues: Sequence[Cue]) -> str:
    blocks = ["WEBVTT\n"]
    for n, (start, end, text, fallback) in enumerate(_timed(cues), start=1):
        timing = f"{hms_millis(start)} --> {hms_millis(end)}"
        if fallback:
            blocks.append(FALLBACK_NOTE + "\n")
        blocks.append(f"{n}\n{timing}\n{_vtt_escape(text)}\n")
    return "\n".join(blocks)


def render_srt(cues: Sequence[Cue]) -> str:
    blocks = []
    for n, (start, end, text, _fallback) in enumerate(_timed(cues), start=1):
        timing = f"{hms_millis(start, ',')} --> {hms_millis(end, ',')}"
        blocks.append(f"{n}\n{timing}\n{text}\n")
    return "\n".join(blocks)


def write_vtt(cues: Sequence[Cue], path: Path) -> None:
    """WebVTT, UTF-8, one numbered cue per sentence."""
    atomic_write(path, render_vtt(cues).encode("utf-8"))


def write_srt(cues: Sequence[Cue], path: Path) -> None:
    """SRT, UTF-8 without BOM, one numbered cue per sentence."""
    atomic_write(path, render_srt(cues).encode("utf-8"))
