"""Helpers for tests that look at real audio: tones, RMS, and where speech starts."""

from __future__ import annotations

import array
import math

from audiobook.models import Speech


def tone(seconds: float, rate: int = 24000, *, lead: float = 0.2, tail: float = 0.3) -> Speech:
    """A fake engine answer: silence, a 440 Hz tone, silence (as engines pad their output)."""
    samples = array.array("h", [0] * round(lead * rate))
    samples.extend(
        int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(round(seconds * rate))
    )
    samples.extend([0] * round(tail * rate))
    return Speech(samples.tobytes(), rate)


def rms_dbfs(pcm: bytes, rate: int, start_s: float, end_s: float) -> float:
    samples = array.array("h")
    a, b = max(0, round(start_s * rate)), max(0, round(end_s * rate))
    samples.frombytes(pcm[a * 2 : b * 2])
    if not samples:
        return -120.0
    mean = sum(s * s for s in samples) / len(samples)
    return -120.0 if mean == 0 else 10 * math.log10(mean / 32768**2)


def speech_onset(pcm: bytes, rate: int, near_s: float, *, threshold: float = -40.0) -> float:
    """First 5 ms window at/after ``near_s - 0.5`` whose level says someone is speaking."""
    t = max(0.0, near_s - 0.5)
    while t < near_s + 1.0:
        if rms_dbfs(pcm, rate, t, t + 0.005) > threshold:
            return t
        t += 0.005
    raise AssertionError(f"no speech near {near_s:.3f}s")


def peaky(seconds: float, rate: int = 22050, *, lead: float = 0.2, tail: float = 0.3) -> Speech:
    """A bright, peaky fake voice (a buzz with sharp clicks), so the limiter must work:
    its peak-to-loudness ratio is far above the 15 dB that −19 LUFS / −1 dBTP leaves."""
    samples = array.array("h", [0] * round(lead * rate))
    for i in range(round(seconds * rate)):
        value = 2500 * math.sin(2 * math.pi * 220 * i / rate) + 900 * math.sin(
            2 * math.pi * 3100 * i / rate
        )
        if i % 2205 < 3:  # a click every 100 ms
            value = 30000 if i % 2 else -30000
        samples.append(int(value))
    samples.extend([0] * round(tail * rate))
    return Speech(samples.tobytes(), rate)


def ebur128(path: str, *, dual_mono: bool = True) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of a file as ffmpeg's own scanner hears it, with
    its ``dualmono`` option (not the assembler's +3.01 dB arithmetic)."""
    import re
    import subprocess

    from audiobook.audio import ffmpeg_exe

    flags = ":dualmono=true" if dual_mono else ""
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", "-i", path,
         "-af", f"ebur128=peak=true{flags}:framelog=verbose", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    summary = proc.stderr[proc.stderr.rfind("Summary:") :]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary)[1])  # type: ignore[index]
    peak = float(re.search(r"True peak:\s+Peak:\s+(-?[\d.]+)", summary)[1])  # type: ignore[index]
    return integrated, peak
