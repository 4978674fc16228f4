"""Assembling speech into one episode: trim, pause, join as PCM, encode once.

Segments are joined as decoded PCM and streamed into a single ffmpeg encode, never joined as
MP3 frames: frame joins shift each later chapter by a frame's worth and click. Every time we
report (chapter starts, cues) is counted in samples as they are written to the encoder, so
the chapters agree with the audio to the sample.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import re
import warnings

with warnings.catch_warnings():
    # pydub warns at import when ffmpeg is not on PATH; we hand it imageio-ffmpeg's instead.
    warnings.simplefilter("ignore")
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

from audiobook.errors import EngineError, PublishError
from audiobook.models import Chapter, Cue, Segment, Speech

#: Spoken word: mono, constant bitrate. 64 kbps keeps a neural voice clean at 24 kHz.
BITRATE = "64k"


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


@cache
def ffmpeg_exe() -> str:
    """ffmpeg from PATH, else the binary the imageio-ffmpeg wheel ships (no apt step)."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise EngineError("ffmpeg not found: install imageio-ffmpeg or ffmpeg") from exc
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    AudioSegment.converter = exe
    return exe


def decode_to_pcm(data: bytes, *, sample_rate: int | None = None) -> tuple[bytes, int]:
    """Decode any audio ffmpeg reads (here: an engine's MP3) to mono s16le PCM."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostats", "-i", "pipe:0", "-f", "s16le", "-ac", "1"]
    if sample_rate:
        cmd += ["-ar", str(sample_rate)]
    cmd += ["pipe:1"]
    proc = subprocess.run(cmd, input=data, capture_output=True, check=False)
    log = proc.stderr.decode(errors="replace")
    if proc.returncode != 0:
        raise EngineError(f"could not decode audio: {log.strip().splitlines()[-1:]}")
    if sample_rate:
        return proc.stdout, sample_rate
    # ffmpeg names the output stream's rate; it needs no ffprobe (imageio-ffmpeg has none).
    rates = re.findall(r"Audio: pcm_s16le.*?, (\d+) Hz", log)
    if not rates:
        raise EngineError("could not tell the decoded audio's sample rate")
    return proc.stdout, int(rates[-1])


def decode_file(path: Path, *, sample_rate: int | None = None) -> tuple[bytes, int]:
    """Decode a file (e.g. a finished episode) to mono s16le PCM, honouring the encoder delay."""
    return decode_to_pcm(path.read_bytes(), sample_rate=sample_rate)


def trim(speech: Speech, *, threshold_dbfs: float = -45.0, keep_ms: int = 20) -> bytes:
    """Cut the engine's own leading/trailing silence so our pauses are the only pauses."""
    seg = AudioSegment(data=speech.pcm, sample_width=2, frame_rate=speech.sample_rate, channels=1)
    lead = detect_leading_silence(seg, silence_threshold=threshold_dbfs, chunk_size=5)
    tail = detect_leading_silence(seg.reverse(), silence_threshold=threshold_dbfs, chunk_size=5)
    start = max(0, lead - keep_ms)
    end = min(len(seg), len(seg) - tail + keep_ms)
    if end <= start:
        return b""
    per_ms = speech.sample_rate / 1000
    return speech.pcm[int(start * per_ms) * 2 : int(end * per_ms) * 2]


class _Encoder:
    """An ffmpeg process that turns streamed PCM into a CBR mono MP3."""

    def __init__(self, out: Path, sample_rate: int, bitrate: str) -> None:
        self.samples = 0
        self.sample_rate = sample_rate
        cmd = [
            ffmpeg_exe(), "-v", "error", "-y",
            "-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0",
            "-c:a", "libmp3lame", "-b:a", bitrate, "-ac", "1",
            "-write_xing", "1", "-id3v2_version", "0", "-f", "mp3", str(out),
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def write(self, pcm: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(pcm)
        self.samples += len(pcm) // 2

    def silence(self, seconds: float) -> None:
        self.write(b"\x00\x00" * round(seconds * self.sample_rate))

    @property
    def now(self) -> float:
        return self.samples / self.sample_rate

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        err = self.proc.stderr.read() if self.proc.stderr else b""
        if self.proc.wait() != 0:
            raise PublishError(f"ffmpeg failed to encode: {err.decode(errors='replace')[-200:]}")


def assemble(
    speeches: Sequence[Speech],
    segments: Sequence[Segment],
    section_titles: Sequence[str],
    out: Path,
    *,
    pauses: Pauses = Pauses(),
    bitrate: str = BITRATE,
) -> Assembled:
    """Join every segment's speech into ``out`` (an MP3) and time chapters and cues."""
    if not speeches:
        raise EngineError("nothing to speak: the article has no speakable sentences")
    rates = {s.sample_rate for s in speeches}
    if len(rates) != 1:
        raise EngineError(f"engine returned mixed sample rates {sorted(rates)}")
    rate = rates.pop()
    enc = _Encoder(out, rate, bitrate)
    starts: dict[int, float] = {}
    cues: list[Cue] = []
    try:
        enc.silence(0.3)
        previous: Segment | None = None
        for seg, speech in zip(segments, speeches, strict=True):
            pcm = trim(speech)
            if not pcm:
                continue
            if previous is not None:
                enc.silence(_gap(previous, seg, pauses))
            if seg.section not in starts:
                starts[seg.section] = enc.now
            begin = enc.now
            enc.write(pcm)
            cues.append(Cue(seg.display_text, begin, enc.now, seg.section))
            previous = seg
        enc.silence(0.8)
    except BaseException:
        enc.proc.kill()
        raise
    finally:
        if enc.proc.poll() is None:
            enc.close()
    total = enc.now
    return Assembled(total, enc.samples, rate, _chapters(starts, section_titles, total), tuple(cues))


def _gap(previous: Segment, seg: Segment, pauses: Pauses) -> float:
    if seg.section != previous.section:
        return pauses.section
    if previous.ends_paragraph:
        return pauses.paragraph
    return pauses.sentence


def _chapters(
    starts: dict[int, float], titles: Sequence[str], total: float
) -> tuple[Chapter, ...]:
    order = sorted(starts.items())
    out = []
    for i, (section, start) in enumerate(order):
        end = order[i + 1][1] if i + 1 < len(order) else total
        out.append(Chapter(titles[section], round(start, 3), round(end, 3)))
    return tuple(out)

