"""The streamed encode: the first seconds of speech set the gain (tried through limiter and
codec on a thread), then everything streams through one encoder as it is spoken."""

from __future__ import annotations

import math
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from audiobook.audio.encode import Mp3Encoder
from audiobook.audio.ffmpeg import ffmpeg_exe, popen, write_and_close
from audiobook.audio.loudness import (
    EBUR128,
    LoudnessTarget,
    Measure,
    Scanner,
    gain_for,
    limiter,
    parse_summary,
)
from audiobook.audio.mp3 import FrameCounter
from audiobook.errors import PublishError

#: Speech that sets the gain: enough to know the engine's level.
_PREFIX_S = 30.0
#: How much of it is limited and encoded to learn what limiter and codec take away.
_TRIAL_S = 10.0


class Stream:
    """The encode, started as soon as the first ``_PREFIX_S`` seconds of speech set the gain.

    The prefix's plain level is metered as it arrives (an ``ebur128`` process fed alongside
    the spool). Its gain is then tried: the prefix limited and MP3-encoded, decoded and
    measured again, which says what the limiter and the codec take away (a peaky voice loses
    about half a LU to the limiter, a bright one some HF energy to the codec), so the gain is
    corrected before a single frame of the episode is encoded. That trial runs on a thread
    while speech keeps arriving (held in memory meanwhile: the trial takes a tenth of a
    second, in which a fast local voice speaks a minute or two, a few megabytes of PCM). Then
    everything held, and the rest as it is spoken, streams through the one encoder, and the
    MP3 is decoded and measured as it is written. If the whole episode's measurement misses
    the target after all, :func:`_encode_to_target` encodes the spooled PCM again with
    corrected settings.
    """

    def __init__(
        self,
        rate: int,
        target: LoudnessTarget | None,
        bitrate: str,
        out: Path,
        on_encoding: Callable[[], None] | None = None,
    ) -> None:
        self.on_encoding = on_encoding
        self.rate = rate
        self.target = target
        self.bitrate = bitrate
        self.out = out
        self.held: list[bytes] = []
        self.buffered = 0
        self.encoder: Mp3Encoder | None = None
        self.level: tuple[float, float] | None = None
        self.meter = Scanner(rate) if target is not None else None
        self.trial: threading.Thread | None = None
        self._trial_result: tuple[float, float] | BaseException | None = None

    def write(self, pcm: bytes) -> None:
        if self.encoder is not None:
            self.encoder.write(pcm)
            return
        if self.target is None:  # nothing to measure first
            self._start_encoder(None)
            self.write(pcm)
            return
        self.held.append(pcm)
        self.buffered += len(pcm)
        if self.trial is None:
            assert self.meter is not None
            self.meter.write(pcm)
            if self.buffered >= _PREFIX_S * self.rate * 2:
                self._begin_trial()
        elif not self.trial.is_alive():
            self._start_encoder(self._trial_level())

    def _begin_trial(self) -> None:
        """Finish metering the prefix and try its gain on a thread."""
        assert self.meter is not None and self.target is not None
        meter, self.meter = self.meter, None
        head = b"".join(self.held)
        self.held = [head]
        target = self.target
        ceiling = target.true_peak_dbtp - target.limiter_margin_db

        def run() -> None:
            try:
                level = meter.finish().integrated
                self._trial_result = (self._gain(head, level, target, ceiling), ceiling)
            except BaseException as exc:  # re-raised on the writing thread
                self._trial_result = exc

        self.trial = threading.Thread(target=run, name="loudness-trial", daemon=True)
        self.trial.start()

    def _trial_level(self) -> tuple[float, float]:
        assert self.trial is not None
        self.trial.join()
        result = self._trial_result
        if isinstance(result, BaseException):
            raise result
        assert result is not None
        return result

    def _gain(self, head: bytes, level: float, target: LoudnessTarget, ceiling: float) -> float:
        """The prefix's gain to the target, corrected by what limiting and encoding take away.

        The correction is measured on the prefix's first ``_TRIAL_S`` seconds: their plain
        level (metered beside the encode) against their level limited, encoded and decoded
        again (encoder and meter piped, on two cores).
        """
        gain = gain_for(target.mono_lufs, level)
        if not gain:
            return 0.0
        clip = head[: round(_TRIAL_S * self.rate) * 2]
        exe, quiet = ffmpeg_exe(), ["-hide_banner", "-nostats"]
        raw = ["-f", "s16le", "-ar", str(self.rate), "-ac", "1"]
        graph = f"asplit[a][b];[a]{EBUR128},anullsink;[b]{limiter(gain, ceiling)}[o]"
        encode = [exe, *quiet, *raw, "-i", "pipe:0", "-filter_complex", graph, "-map", "[o]",
                  "-c:a", "libmp3lame", "-b:a", self.bitrate, "-f", "mp3", "pipe:1"]  # fmt: skip
        measure = [exe, *quiet, "-f", "mp3", "-i", "pipe:0",
                   "-af", EBUR128, "-f", "null", "-"]  # fmt: skip
        encoder = popen(encode, stdout=subprocess.PIPE)
        assert encoder.stdout is not None
        meter = popen(measure, stdin=encoder.stdout)
        encoder.stdout.close()  # the meter owns the pipe now
        try:
            if write_and_close(encoder, clip):
                _, heard_log = meter.communicate()
                assert encoder.stderr is not None
                plain_log = encoder.stderr.read()
                encoder.wait()
            else:
                heard_log = plain_log = b""
        finally:
            for proc in (encoder, meter):
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
        logs = [(log or b"").decode(errors="replace") for log in (plain_log, heard_log)]
        if encoder.returncode != 0 or meter.returncode != 0:
            raise PublishError(f"loudness trial failed: {(logs[0] + logs[1]).strip()[-200:]}")
        plain, heard = (parse_summary(log).integrated for log in logs)
        if not (math.isfinite(plain) and math.isfinite(heard)):
            return gain
        return gain + (plain + gain) - heard

    def _start_encoder(self, level: tuple[float, float] | None) -> None:
        self.level = level
        measure = self.target is not None
        self.encoder = Mp3Encoder(self.out, self.rate, self.bitrate, level, measure=measure)
        if self.on_encoding is not None:
            self.on_encoding()
        held, self.held = self.held, []
        for pcm in held:
            self.encoder.write(pcm)

    def finish(self) -> tuple[Measure | None, FrameCounter]:
        if self.encoder is None:
            if self.target is not None and self.trial is None:
                self._begin_trial()  # less speech than a prefix: all of it sets the gain
            self._start_encoder(self._trial_level() if self.target is not None else None)
        assert self.encoder is not None
        encoder, self.encoder = self.encoder, None
        return encoder.finish()

    def kill(self) -> None:
        if self.meter is not None:
            self.meter.kill()
            self.meter = None
        if self.trial is not None:
            self.trial.join()
        if self.encoder is not None:
            self.encoder.kill()
