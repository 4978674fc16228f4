"""Decoding audio back to PCM: an engine's MP3, or an episode as a gapless-aware player hears it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from audiobook.audio.ffmpeg import ffmpeg_exe
from audiobook.audio.mp3 import read_gapless
from audiobook.errors import EngineError


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
    """Decode an episode to mono s16le PCM as a gapless-aware player (ExoPlayer) does:
    the ``iTunSMPB`` priming and padding are dropped, so times match our chapters."""
    pcm, rate = decode_to_pcm(path.read_bytes(), sample_rate=sample_rate)
    gapless = read_gapless(path)
    if gapless is not None and sample_rate in (None, rate):
        start = gapless.delay * 2
        pcm = pcm[start : start + gapless.samples * 2]
    return pcm, rate
