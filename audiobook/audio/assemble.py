"""Assembling speech into one episode: trim, pause, time chapters and cues, and see the
encode to the loudness target (see the package's notes for why it is shaped this way)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

with warnings.catch_warnings():
    # audioop is deprecated (3.11+; audioop-lts replaces it on 3.13).
    warnings.simplefilter("ignore")
    import audioop

from audiobook.audio.encode import BITRATE, Mp3Encoder, encode_aac, match_aac
from audiobook.audio.loudness import DUAL_MONO_OFFSET_DB, LoudnessTarget, Measure, gain_for
from audiobook.audio.mp3 import FrameCounter, Gapless, frame_gapless, write_gapless_tag
from audiobook.audio.stream import Stream
from audiobook.errors import EngineError
from audiobook.models import Chapter, Cue, Loudness, Segment, Speech

_LEAD_SILENCE_S = 0.3
_TAIL_SILENCE_S = 0.8


@dataclass(frozen=True)
class Pauses:
    """Silence inserted between units, in seconds. Longer gaps tell a listener where
    structure changes, as a newsreader's breath does."""

    sentence: float = 0.35
    paragraph: float = 0.7
    section: float = 1.5


@dataclass(frozen=True)
class Assembled:
    duration_s: float
    samples: int
    sample_rate: int
    chapters: tuple[Chapter, ...]
    cues: tuple[Cue, ...]
    loudness: Loudness | None = None
    gapless: Gapless | None = None


def trim(speech: Speech, *, threshold_dbfs: float = -45.0, keep_ms: int = 20) -> bytes:
    """Cut the engine's own leading/trailing silence so our pauses are the only pauses.

    Scans 5 ms windows inward from each end only as far as the silence goes, so the cost is
    the length of the silence, not of the sentence.
    """
    pcm = speech.pcm if len(speech.pcm) % 2 == 0 else speech.pcm[:-1]
    window = max(1, speech.sample_rate // 200) * 2
    floor = 32768 * 10 ** (threshold_dbfs / 20)
    n = len(pcm)
    lead = 0
    while lead < n and audioop.rms(pcm[lead : lead + window], 2) < floor:
        lead += window
    if lead >= n:
        return b""
    tail = n
    while tail > lead and audioop.rms(pcm[max(lead, tail - window) : tail], 2) < floor:
        tail -= window
    keep = round(keep_ms * speech.sample_rate / 1000) * 2
    return pcm[max(0, lead - keep) : min(n, tail + keep)]


def assemble(
    speeches: Iterable[Speech],
    segments: Sequence[Segment],
    section_titles: Sequence[str],
    out: Path,
    *,
    pauses: Pauses = Pauses(),
    bitrate: str = BITRATE,
    loudness: LoudnessTarget | None = LoudnessTarget(),  # noqa: B008 (frozen: immutable)
    section_levels: Sequence[int] | None = None,
    on_encoding: Callable[[], None] | None = None,
    on_assembled: Callable[[Segment], None] | None = None,
    aac_out: Path | None = None,
) -> Assembled:
    """Join every segment's speech into ``out`` (an MP3) and time chapters and cues.

    ``section_levels`` (heading depth per section, default all 1) become the chapters' levels.

    ``speeches`` may be a lazy iterator in segment order (it is consumed once, one segment
    at a time, while the encoder runs). ``loudness=None`` skips normalisation (the PCM is
    encoded as spoken). ``on_encoding`` is called once the encoder has started: from then
    on the machine is busy, and a caller can start work that would otherwise wait until
    the end. ``on_assembled(segment)`` is called as each segment's speech (or its absence)
    has been handed to the encoder, in order: progress that a listener's file has reached.

    ``aac_out``: also encode the same PCM (the spool, with the MP3's final gain and limiter,
    so the same loudness and the same sample timeline) as AAC-LC mono in an MP4 file, for an
    M4B edition (:mod:`audiobook.publish.m4b`) — a second encode from PCM, not a transcode of
    the MP3.
    """
    work = out.with_name(out.name + ".pcm")
    try:
        with work.open("wb") as sink:
            joined = _join(
                speeches, segments, sink, pauses, loudness, bitrate, out, on_encoding, on_assembled
            )
        rate = joined.rate
        result, frames, level = _encode_to_target(work, out, rate, bitrate, loudness, joined)
        if aac_out is not None:
            encode_aac(work, aac_out, rate, level)
            if level is not None and result is not None and loudness is not None:
                match_aac(work, aac_out, rate, level, result.mono_lufs, loudness)
    finally:
        work.unlink(missing_ok=True)
    gapless = frame_gapless(frames, joined.samples)
    write_gapless_tag(out, gapless)
    total = joined.samples / rate
    chapters = _chapters(joined.starts, section_titles, total, section_levels)
    return Assembled(
        total, joined.samples, rate, chapters, tuple(joined.cues), result, gapless
    )  # fmt: skip


# --- one pass: trim, pause, spool to disk, and encode as the speech arrives -------------


@dataclass
class _Joined:
    rate: int = 0
    samples: int = 0
    starts: dict[int, float] = field(default_factory=dict)
    cues: list[Cue] = field(default_factory=list)
    #: The streamed encode: what it measured, its frames and the (gain, ceiling) it used.
    measured: Measure | None = None
    frames: FrameCounter | None = None
    level: tuple[float, float] | None = None


def _join(
    speeches: Iterable[Speech],
    segments: Sequence[Segment],
    sink: IO[bytes],
    pauses: Pauses,
    target: LoudnessTarget | None,
    bitrate: str,
    out: Path,
    on_encoding: Callable[[], None] | None = None,
    on_assembled: Callable[[Segment], None] | None = None,
) -> _Joined:
    joined = _Joined()
    stream: Stream | None = None
    previous: Segment | None = None

    def write(pcm: bytes) -> None:
        sink.write(pcm)
        if stream is not None:
            stream.write(pcm)
        joined.samples += len(pcm) // 2

    def silence(seconds: float) -> None:
        write(b"\x00\x00" * round(seconds * joined.rate))

    try:
        pairs = zip(segments, speeches, strict=True)
        for seg, speech in _checked(pairs):
            if joined.rate == 0:
                joined.rate = speech.sample_rate
                stream = Stream(joined.rate, target, bitrate, out, on_encoding)
                silence(_LEAD_SILENCE_S)
            elif speech.sample_rate != joined.rate:
                rates = f"{joined.rate} and {speech.sample_rate} Hz"
                raise EngineError(f"engine returned mixed sample rates ({rates})")
            pcm = trim(speech)
            if pcm:
                if previous is not None:
                    silence(_gap(previous, seg, pauses))
                now = joined.samples / joined.rate
                joined.starts.setdefault(seg.section, now)
                write(pcm)
                end = joined.samples / joined.rate
                joined.cues.append(Cue(seg.display_text, now, end, seg.section, speech.fallback))
                previous = seg
            if on_assembled is not None:
                on_assembled(seg)
        if not joined.cues:  # a cue per sentence that made a sound
            raise EngineError("nothing to speak: the article has no speakable sentences")
        silence(_TAIL_SILENCE_S)
        assert stream is not None
        joined.measured, joined.frames = stream.finish()
        joined.level = stream.level
        stream = None
    finally:
        if stream is not None:
            stream.kill()
    return joined


def _checked(pairs: Iterator[tuple[Segment, Speech]]) -> Iterator[tuple[Segment, Speech]]:
    try:
        yield from pairs
    except ValueError as exc:
        if "zip()" not in str(exc):
            raise
        # zip(strict=True) noticed a scheduler bug: say so plainly rather than mis-time.
        raise EngineError(f"speech and segments disagree in number ({exc})") from exc


def _gap(previous: Segment, seg: Segment, pauses: Pauses) -> float:
    if seg.section != previous.section:
        return pauses.section
    if previous.ends_paragraph:
        return pauses.paragraph
    return pauses.sentence


def _chapters(
    starts: dict[int, float],
    titles: Sequence[str],
    total: float,
    levels: Sequence[int] | None = None,
) -> tuple[Chapter, ...]:
    order = sorted(starts.items())
    out = []
    for i, (section, start) in enumerate(order):
        end = order[i + 1][1] if i + 1 < len(order) else total
        level = levels[section] if levels is not None else 1
        out.append(Chapter(titles[section], round(start, 3), round(end, 3), level))
    return tuple(out)


# --- a second encode, only when the streamed one missed -----------------------------------


def _encode_to_target(
    work: Path,
    out: Path,
    rate: int,
    bitrate: str,
    target: LoudnessTarget | None,
    joined: _Joined,
) -> tuple[Loudness | None, FrameCounter, tuple[float, float] | None]:
    """Check the streamed encode against the target; encode the spooled PCM again (up to
    twice) with corrected gain and ceiling if the finished MP3 missed it. Returns the
    loudness, the MP3's frames and the (gain, ceiling) the published MP3 was encoded with."""
    assert joined.frames is not None
    frames = joined.frames
    if target is None or joined.measured is None or joined.level is None:
        return None, frames, joined.level
    final = joined.measured
    gain, ceiling = joined.level
    attempt = 1
    while True:
        silent = gain_for(target.mono_lufs, final.integrated) == 0.0 and gain == 0.0
        peak = final.true_peak if final.true_peak is not None else -math.inf
        miss_i = 0.0 if silent else target.mono_lufs - final.integrated
        over = peak - target.true_peak_dbtp
        if (over <= 0 and abs(miss_i) <= target.tolerance_lu) or attempt == 3:
            break
        # Correct both knobs from what the listener would actually get.
        if over > 0:
            ceiling -= over + 0.2
        gain += miss_i
        attempt += 1
        encoder = Mp3Encoder(out, rate, bitrate, (gain, ceiling), measure=True, source=work)
        measured, frames = encoder.finish()
        assert measured is not None
        final = measured
    offset = DUAL_MONO_OFFSET_DB if target.dual_mono else 0.0
    return (
        Loudness(
            integrated_lufs=round(final.integrated + offset, 2),
            mono_lufs=round(final.integrated, 2),
            true_peak_dbtp=round(final.true_peak if final.true_peak is not None else -math.inf, 2),
            range_lu=round(final.range_lu, 2),
            target_lufs=target.integrated_lufs,
            dual_mono=target.dual_mono,
            gain_db=round(gain, 2),
            encodes=attempt,
        ),
        frames,
        (gain, ceiling),
    )
