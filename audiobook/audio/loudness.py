"""Loudness: the target (and its dual-mono convention), ffmpeg's ``ebur128`` meter run beside
the work it checks, the limiter, and the measurement of a finished file."""

from __future__ import annotations

import contextlib
import math
import queue
import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from audiobook.audio.ffmpeg import ffmpeg_exe, popen, yield_cpu
from audiobook.errors import PublishError

#: BS.1770 sums channel powers, so a mono channel played on two speakers measures +3.01 dB.
DUAL_MONO_OFFSET_DB = 10 * math.log10(2)


@dataclass(frozen=True)
class LoudnessTarget:
    """What the episode should measure. ``dual_mono`` states the target as heard on two
    speakers (see the module notes); ``limiter_margin_db`` is the headroom the sample-peak
    limiter leaves below the true-peak ceiling for inter-sample and MP3 overshoot.

    The MP3's worst overshoot grows with the episode's length (more peaks, a rarer worst
    one): about 0.5 dB on the 9-minute seed and 0.8–1.1 dB on a 10-hour book (espeak-ng's
    audio varies slightly from run to run), whose builds crossed a 1 dB margin on some runs
    and then encoded the whole book a second time. 1.5 dB keeps a book to one encode."""

    integrated_lufs: float = -16.0
    true_peak_dbtp: float = -1.0
    dual_mono: bool = True
    tolerance_lu: float = 0.5
    limiter_margin_db: float = 1.5

    @property
    def mono_lufs(self) -> float:
        """The target as a plain BS.1770 single-channel figure (what ``ebur128`` prints)."""
        return self.integrated_lufs - (DUAL_MONO_OFFSET_DB if self.dual_mono else 0.0)


@dataclass(frozen=True)
class Measure:
    integrated: float  # mono LUFS
    range_lu: float
    true_peak: float | None  # dBTP, when measured


_SUMMARY = {
    "integrated": re.compile(r"I:\s+(-?[\d.]+|-inf) LUFS"),
    "range_lu": re.compile(r"LRA:\s+(-?[\d.]+) LU"),
}


def parse_summary(log: str) -> Measure:
    """The last ``Summary:`` block of ``ebur128`` in an ffmpeg log (true peak is measured
    separately: see :class:`Mp3Encoder`)."""
    at = log.rfind("Summary:")
    tail = log[at:] if at >= 0 else ""
    values: dict[str, float | None] = {}
    for name, pattern in _SUMMARY.items():
        match = pattern.search(tail)
        values[name] = (
            None if match is None else -math.inf if match.group(1) == "-inf" else float(match[1])
        )
    if values["integrated"] is None:
        raise PublishError(f"ffmpeg ebur128 gave no measurement: {log.strip()[-200:]}")
    return Measure(values["integrated"], values["range_lu"] or 0.0, None)


#: The loudness meter. Its per-frame lines go to the ``verbose`` log level, which we never
#: show: ``framelog=quiet`` says the same on recent ffmpeg, but ffmpeg 5.1 (Debian 12's,
#: found first on PATH there) refuses it, and every build failed.
EBUR128 = "ebur128=framelog=verbose"


class Scanner:
    """An ffmpeg ``ebur128`` process measuring audio we feed it, on another core."""

    def __init__(
        self, rate: int, *, reads: list[str] | None = None, background: bool = False
    ) -> None:
        """``reads``: ffmpeg's input and filter arguments (by default: mono PCM at ``rate``,
        measured by ``ebur128``).

        ``background``: the scanner runs at a lower CPU priority and reads from a backlog
        held here (up to ``_BACKLOG`` writes), so on a busy machine the work it checks goes
        first, and the scanner catches up with what is left over instead of holding it back."""
        pcm = ["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0"]
        cmd = [
            ffmpeg_exe(), "-hide_banner", "-nostats", "-nostdin",
            *(reads or [*pcm, "-af", EBUR128]), "-f", "null", "-",
        ]  # fmt: skip
        self.proc = popen(cmd)
        if background:
            yield_cpu(self.proc)
        # Drain stderr as we go: a full pipe would stall ffmpeg and then us.
        self._log: list[bytes] = []
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        self._backlog: queue.Queue[bytes | None] | None = None
        self._failed = False
        if background:
            self._backlog = queue.Queue(maxsize=_BACKLOG)
            self._feeder = threading.Thread(target=self._feed, daemon=True)
            self._feeder.start()

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._log.append(line)
            if len(self._log) > 200:
                del self._log[:100]

    def write(self, data: bytes) -> None:
        if self._backlog is not None:
            if self._failed:
                raise PublishError(f"loudness scanner stopped: {self._text()[-200:]}")
            self._backlog.put(data)
            return
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(data)
        except (BrokenPipeError, ValueError) as exc:  # ValueError: closed, after kill()
            raise PublishError(f"loudness scanner stopped: {self._text()[-200:]}") from exc

    def _feed(self) -> None:
        """A background scanner's writer: it takes the backlog until the end marker (and,
        once the scanner has stopped, drops it), so whoever writes to us never waits on a
        scanner that has fallen behind."""
        assert self._backlog is not None and self.proc.stdin is not None
        while (chunk := self._backlog.get()) is not None:
            if not self._failed:
                try:
                    self.proc.stdin.write(chunk)
                except (OSError, ValueError):
                    self._failed = True
        with contextlib.suppress(OSError, ValueError):
            self.proc.stdin.close()

    def _end_input(self) -> None:
        if self._backlog is not None:
            self._backlog.put(None)
            self._feeder.join()
            self._backlog = None

    def _text(self) -> str:
        return b"".join(self._log).decode(errors="replace")

    def finish(self) -> Measure:
        return parse_summary(self.finish_log())

    def finish_log(self) -> str:
        assert self.proc.stdin is not None
        self._end_input()
        with contextlib.suppress(BrokenPipeError):
            self.proc.stdin.close()
        self.proc.wait()
        self._reader.join()
        if self.proc.returncode != 0:
            raise PublishError(f"loudness scanner failed: {self._text()[-200:]}")
        return self._text()

    def kill(self) -> None:
        self.proc.kill()
        self._end_input()  # the feeder's writes fail now: it drops the backlog and ends
        self.proc.wait()


#: A background scanner's backlog, in writes (blocks of up to 64 KB of MP3): a whole
#: article's episode, or half an hour of a book's, before the encoder is held back.
_BACKLOG = 256


def limiter(gain: float, ceiling_db: float) -> str:
    # latency=1: the limiter's lookahead must not shift the audio (chapter times).
    return (
        f"volume={gain:.2f}dB,"
        f"alimiter=limit={10 ** (ceiling_db / 20):.4f}:level=0:latency=1:attack=5:release=80"
    )


def gain_for(target_lufs: float, level: float) -> float:
    """The gain that moves ``level`` to the target; none for silence (nothing to scale)."""
    if not math.isfinite(level) or level <= -69.0:
        return 0.0
    return target_lufs - level


def measure_file(path: Path) -> tuple[float, float]:
    """(integrated loudness, true peak) of a file as ffmpeg decodes it: plain channel
    figures (LUFS, dBTP), no dual-mono offset."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path),
         "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True, check=False,
    )  # fmt: skip
    log = proc.stderr.decode(errors="replace")
    summary = log[log.rfind("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf)", summary)
    if proc.returncode != 0 or integrated is None or peak is None:
        raise PublishError(f"{path.name}: could not measure loudness: {log.strip()[-200:]}")
    return float(integrated[1]), float(peak[1])
