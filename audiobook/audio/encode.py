"""Encoding: the one MP3 encode (verified as it is written) and the AAC edition's encode."""

from __future__ import annotations

import contextlib
import math
import re
import subprocess
import threading
from pathlib import Path

from audiobook.audio.ffmpeg import ffmpeg_exe
from audiobook.audio.loudness import (
    EBUR128,
    LoudnessTarget,
    Measure,
    Scanner,
    limiter,
    measure_file,
    parse_summary,
)
from audiobook.audio.mp3 import FrameCounter, Gapless, reserve_tag
from audiobook.errors import PublishError

#: Spoken word: mono, constant bitrate. 64 kbps keeps a neural voice clean at 24 kHz.
BITRATE = "64k"
_CHUNK = 1 << 16


class Mp3Encoder:
    """One ffmpeg encode to ``out``, from ``source`` (a PCM file) or from PCM we write.

    With ``measure``, a second ffmpeg decodes the MP3 as it streams out and measures it (so
    verifying costs a second core, not a second pass). A thread copies the encoder's output
    to the file, the frame counter and the verifier, so writing never deadlocks.
    """

    def __init__(
        self,
        out: Path,
        rate: int,
        bitrate: str,
        level: tuple[float, float] | None,
        *,
        measure: bool,
        source: Path | None = None,
    ) -> None:
        chain = ["-af", limiter(*level)] if level is not None else []
        cmd = [
            ffmpeg_exe(), "-v", "error", "-y",
            "-f", "s16le", "-ar", str(rate), "-ac", "1",
            "-i", str(source) if source is not None else "pipe:0", *chain,
            "-c:a", "libmp3lame", "-b:a", bitrate, "-ac", "1",
            "-write_xing", "0", "-id3v2_version", "0",
            # Written in 32 KB blocks, not a pipe write per 26 ms frame: the same bytes for a
            # sixth of the system time.
            "-flush_packets", "0", "-f", "mp3", "pipe:1",
        ]  # fmt: skip
        stdin = subprocess.PIPE if source is None else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        # True peak as BS.1770 defines it (4x oversampled sample peak), at 4x our rate rather
        # than ebur128's fixed 192 kHz: the same figure at two thirds of the cost. A 16-tap
        # interpolator (BS.1770-4's reference uses 12 per phase) reads the seed's peak within
        # 0.002 dB of the resampler's 32-tap default, for a tenth less of the verifier's CPU.
        #
        # The MP3 is decoded by ``amovie`` inside the filter graph, given as a ``lavfi`` input
        # (``-filter_complex`` opens a graph twice, and the first opening eats the stream's
        # first 64 KB), with ``-nostdin`` (ffmpeg would otherwise read its keyboard commands
        # from the pipe). ffmpeg's own demuxer and decoder threads would hand every 52 ms
        # frame from thread to thread, some 18 futex calls a frame: a third of the verifier's
        # CPU. The oversampled branch ends in a null sink; the graph's one output is the audio
        # at its own rate, regrouped (never padded) into large frames, since the null output's
        # per-frame cost is the same overhead.
        graph = (
            r"amovie=pipe\\:0:f=mp3,asplit[a][b];"
            f"[b]aresample={4 * rate}:filter_size=16,"
            "astats=measure_perchannel=none:measure_overall=Peak_level,anullsink;"
            f"[a]{EBUR128},asetnsamples=n=65536:p=0"
        )
        # The verifier yields the CPU to the encoder and to speech synthesis: on two cores the
        # encode is what the listener waits for, and the verifier keeps pace with what is left.
        self.scanner = (
            Scanner(rate, reads=["-f", "lavfi", "-i", graph], background=True) if measure else None
        )
        self.out = out
        self.frames = FrameCounter()
        self.errors: list[bytes] = []
        self.failure: BaseException | None = None
        self._err = threading.Thread(target=self._read_errors, daemon=True)
        self._copier = threading.Thread(target=self._copy, daemon=True)
        self._err.start()
        self._copier.start()

    def _read_errors(self) -> None:
        if self.proc.stderr is not None:
            self.errors.append(self.proc.stderr.read())

    def _copy(self) -> None:
        assert self.proc.stdout is not None
        try:
            reserve_tag(self.out)
            with self.out.open("ab") as f:
                while chunk := self.proc.stdout.read(_CHUNK):
                    f.write(chunk)
                    self.frames.feed(chunk)
                    if self.scanner is not None:
                        self.scanner.write(chunk)
        except BaseException as exc:  # reported by finish(); stop the encoder meanwhile
            self.failure = exc
            self.proc.kill()

    def _log(self) -> str:
        return b"".join(self.errors).decode(errors="replace")[-200:]

    def write(self, pcm: bytes) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(pcm)
        except BrokenPipeError as exc:
            self._copier.join()
            if self.failure is not None:
                raise self.failure from exc
            self.proc.wait()
            self._err.join()
            raise PublishError(f"ffmpeg stopped while encoding: {self._log()}") from exc

    def finish(self) -> tuple[Measure | None, FrameCounter]:
        try:
            if self.proc.stdin is not None:
                with contextlib.suppress(BrokenPipeError):
                    self.proc.stdin.close()
            code = self.proc.wait()
            self._copier.join()
            self._err.join()
            if self.failure is not None:
                raise self.failure
            if code != 0:
                raise PublishError(f"ffmpeg failed to encode: {self._log()}")
            result = None
            if self.scanner is not None:
                scanner, self.scanner = self.scanner, None
                log = scanner.finish_log()
                peak = re.findall(r"Peak level dB: (-?[\d.]+|-inf)", log)
                level = parse_summary(log)
                true_peak = float(peak[-1]) if peak and peak[-1] != "-inf" else -math.inf
                result = Measure(level.integrated, level.range_lu, true_peak)
            return result, self.frames
        finally:
            self.kill()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.scanner is not None:
            self.scanner.kill()
            self.scanner = None


#: How far the AAC's loudness may sit from the MP3's before it is encoded again.
AAC_MATCH_LU = 0.2
#: At most this many AAC encodes (as the MP3 loop): AAC's true-peak overshoot varies from
#: one encode to the next, so a correction is measured again.
AAC_ENCODES = 3


def match_aac(
    pcm: Path,
    out: Path,
    rate: int,
    level: tuple[float, float],
    mp3_mono_lufs: float,
    target: LoudnessTarget,
) -> None:
    """Measure the AAC and, if it is off the MP3's loudness by more than
    :data:`AAC_MATCH_LU` or over the true-peak ceiling, encode it again with the gain and
    ceiling corrected by what was measured (up to :data:`AAC_ENCODES` encodes in all). The
    same gain does not give the same loudness: LAME's low-pass takes away treble that
    K-weighting counts (the seed's AAC came out 0.4 LU louder at the MP3's gain)."""
    gain, ceiling = level
    for _ in range(AAC_ENCODES - 1):
        integrated, peak = measure_file(out)
        miss = mp3_mono_lufs - integrated
        over = peak - target.true_peak_dbtp
        if abs(miss) <= AAC_MATCH_LU and over <= 0:
            return
        if over > 0:
            ceiling -= over + 0.2
        gain += miss
        encode_aac(pcm, out, rate, (gain, ceiling))


#: AAC-LC at this rate is transparent for mono speech (Apple's spoken-word advice is 64k).
AAC_BITRATE = "64k"
#: The AAC's bandwidth (Hz), about the MP3's (LAME low-passes 64 kbit/s mono near there):
#: speech loses nothing, and a click's broadband overshoot past the limiter (the seed's
#: reached -0.6 dBTP at full bandwidth) stays under the true-peak ceiling.
AAC_CUTOFF = "10500"


def encode_aac(
    pcm: Path,
    out: Path,
    rate: int,
    level: tuple[float, float] | None,
    *,
    gapless: Gapless | None = None,
) -> None:
    """Encode ``pcm`` (s16le mono at ``rate``) as AAC-LC mono into an MP4 file ``out``,
    through the same gain and limiter as the MP3 (``level``), so both editions have the same
    loudness. The encoder's priming is in the MP4 edit list, so its timeline starts with the
    first sample, as the chapters count.

    With ``gapless``, ``pcm`` is instead a published MP3 (an episode built earlier, whose PCM
    is gone): decoded, its priming and padding cut as ``gapless`` says so the timeline is
    the chapters' again, and encoded as it is (its loudness is already the target's). That
    is a transcode, used only where no PCM is left (``rate`` is then unused: the MP3's own).
    The sample rate is the input's either way, so chapter times map to the same samples."""
    chain = ["-af", limiter(*level)] if level is not None else []
    fmt = ["-f", "s16le", "-ar", str(rate), "-ac", "1"]
    if gapless is not None:
        fmt = []
        end = gapless.delay + gapless.samples
        chain = ["-af", f"atrim=start_sample={gapless.delay}:end_sample={end},"
                 "asetpts=PTS-STARTPTS"]  # fmt: skip
    cmd = [
        ffmpeg_exe(), "-v", "error", "-y", *fmt, "-i", str(pcm), *chain,
        "-map", "0:a", "-c:a", "aac", "-profile:a", "aac_low", "-b:a", AAC_BITRATE,
        "-cutoff", AAC_CUTOFF,
        "-ac", "1", "-f", "mp4", str(out),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0:
        error = proc.stderr.decode(errors="replace").strip()[-200:]
        raise PublishError(f"AAC encode failed: {error}")
