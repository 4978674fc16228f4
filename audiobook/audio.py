"""Assembling speech into one episode: trim, pause, measure, normalise, encode once.

Why it is shaped this way:

* **One PCM stream, one encode.** Segments are joined as decoded PCM and encoded once, never
  joined as MP3 frames: frame joins shift each later chapter by up to a frame and click.
  Chapter starts and cues are counted in samples as they are written, so they agree with the
  audio to the sample.
* **Encoded as it is spoken, bounded memory.** Each segment's trimmed PCM (and the pauses)
  is spooled to a temporary file on disk and, once the first ``_PREFIX_S`` seconds have set
  the gain (their level, metered as they arrive, then ``_TRIAL_S`` seconds of them limited
  and MP3-encoded on a thread to see what the limiter and codec take away, while speech
  keeps arriving), streamed straight into the one encode while later segments are still
  being spoken. Only a few segments are ever in memory, so a ten-hour book costs what a
  minute costs, and speaking and encoding overlap on two cores. A second ffmpeg decodes the
  MP3 *as it is written* and measures what a listener will hear, at a lower CPU priority and
  from a backlog, so it never holds the encoder back; if that misses the target (true peak
  above the ceiling, or loudness off by more than half a LU), the spooled PCM is encoded
  again with corrected settings (``Loudness.encodes`` records how often).
* **Loudness convention (the pan law).** The episode is mono. A podcast app plays a mono
  file on both earbuds/speakers, which a listener hears about 3 dB louder than the BS.1770
  single-channel figure. The target is therefore stated, by default, as *dual-mono*
  loudness (the EBU/ffmpeg ``dualmono`` convention, pan law −3.01 dB): −16 LUFS heard on two
  speakers, which is −19 LUFS measured as a plain mono channel. That is the AES TD1004 /
  Apple advice (−16 stereo ≙ −19 mono), so our episodes sit level with stereo shows at −16.
  ``LoudnessTarget(dual_mono=False)`` targets the plain mono figure instead.
* **No Xing/Info frame; gapless data in ``iTunSMPB``.** ffmpeg's default Info frame for a
  CBR file carries a 100-entry seek table (TOC) that older ExoPlayer versions use instead of
  exact CBR arithmetic, landing seconds to minutes off on long files (ExoPlayer #10325), and
  a TOC-less Info frame makes those versions refuse to seek at all. ``-write_xing 0`` drops
  the whole frame, and with it the LAME tag's encoder delay and padding (plus the frame count
  and ReplayGain fields). We put the delay and padding back where ExoPlayer (2.x and media3)
  and Apple players read them: an ID3 ``COMM`` frame named ``iTunSMPB``. Players that trim
  nothing (ffmpeg-based ones ignore ``iTunSMPB`` for MP3) hear the timeline 1105 samples
  late, so a chapter jump lands that much *early*, inside the pause before the section.
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import re
import shutil
import subprocess
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO, Any

with warnings.catch_warnings():
    # audioop is deprecated (3.11+; audioop-lts replaces it on 3.13); pydub warns at import
    # when ffmpeg is not on PATH, and we hand it imageio-ffmpeg's instead.
    warnings.simplefilter("ignore")
    import audioop

    from pydub import AudioSegment

from audiobook.errors import EngineError, PublishError
from audiobook.models import Chapter, Cue, Loudness, Segment, Speech

#: Spoken word: mono, constant bitrate. 64 kbps keeps a neural voice clean at 24 kHz.
BITRATE = "64k"
#: BS.1770 sums channel powers, so a mono channel played on two speakers measures +3.01 dB.
DUAL_MONO_OFFSET_DB = 10 * math.log10(2)
#: libmp3lame's priming: encoder delay (576) + decoder delay (528 + 1), as ffmpeg reports it.
LAME_DELAY = 1105
#: Samples per MP3 frame: MPEG-1 Layer III has 1152, MPEG-2/2.5 (≤ 24 kHz) 576.
_LEAD_SILENCE_S = 0.3
_TAIL_SILENCE_S = 0.8
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Pauses:
    """Silence inserted between units, in seconds. Longer gaps tell a listener where
    structure changes, as a newsreader's breath does."""

    sentence: float = 0.35
    paragraph: float = 0.7
    section: float = 1.5


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
class Gapless:
    """The encoder's priming and padding around our samples (what ``iTunSMPB`` records)."""

    delay: int
    padding: int
    samples: int

    def itunsmpb(self) -> str:
        fields = [0, self.delay, self.padding]
        return " " + " ".join(
            [*(f"{v:08X}" for v in fields), f"{self.samples:016X}", *(["00000000"] * 8)]
        )


@dataclass(frozen=True)
class Assembled:
    duration_s: float
    samples: int
    sample_rate: int
    chapters: tuple[Chapter, ...]
    cues: tuple[Cue, ...]
    loudness: Loudness | None = None
    gapless: Gapless | None = None


@cache
def ffmpeg_exe() -> str:
    """The ffmpeg every stage runs: the one the imageio-ffmpeg wheel ships, else one on PATH.

    The wheel's comes first: it is the version the project is tested with, while whatever a
    system package put on PATH may be years older (Ubuntu 22.04 ships ffmpeg 4.4) and miss
    an option a build relies on. ``IMAGEIO_FFMPEG_EXE`` names another binary on purpose.
    """
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):  # pragma: no cover - the wheel is a core dependency
        found = shutil.which("ffmpeg")
        if not found:
            raise EngineError("ffmpeg not found: install imageio-ffmpeg or ffmpeg") from None
        exe = found
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


def read_gapless(path: Path) -> Gapless | None:
    """The ``iTunSMPB`` record of an episode, if it has one."""
    from mutagen.id3 import ID3, ID3NoHeaderError

    try:
        tags = ID3(path)
    except ID3NoHeaderError:
        return None
    for frame in tags.getall("COMM"):
        if frame.desc == "iTunSMPB" and frame.text:
            parts = str(frame.text[0]).split()
            if len(parts) >= 4:
                return Gapless(int(parts[1], 16), int(parts[2], 16), int(parts[3], 16))
    return None


def decode_file(path: Path, *, sample_rate: int | None = None) -> tuple[bytes, int]:
    """Decode an episode to mono s16le PCM as a gapless-aware player (ExoPlayer) does:
    the ``iTunSMPB`` priming and padding are dropped, so times match our chapters."""
    pcm, rate = decode_to_pcm(path.read_bytes(), sample_rate=sample_rate)
    gapless = read_gapless(path)
    if gapless is not None and sample_rate in (None, rate):
        start = gapless.delay * 2
        pcm = pcm[start : start + gapless.samples * 2]
    return pcm, rate


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
    loudness: LoudnessTarget | None = LoudnessTarget(),
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
                _match_aac(work, aac_out, rate, level, result.mono_lufs, loudness)
    finally:
        work.unlink(missing_ok=True)
    gapless = _gapless(frames, joined.samples)
    _write_gapless_tag(out, gapless)
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
    measured: _Measure | None = None
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
    stream: _Stream | None = None
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
                stream = _Stream(joined.rate, target, bitrate, out, on_encoding)
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


@dataclass(frozen=True)
class _Measure:
    integrated: float  # mono LUFS
    range_lu: float
    true_peak: float | None  # dBTP, when measured


_SUMMARY = {
    "integrated": re.compile(r"I:\s+(-?[\d.]+|-inf) LUFS"),
    "range_lu": re.compile(r"LRA:\s+(-?[\d.]+) LU"),
}


def _parse_summary(log: str) -> _Measure:
    """The last ``Summary:`` block of ``ebur128`` in an ffmpeg log (true peak is measured
    separately: see :class:`_Encoder`)."""
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
    return _Measure(values["integrated"], values["range_lu"] or 0.0, None)


#: The loudness meter. Its per-frame lines go to the ``verbose`` log level, which we never
#: show: ``framelog=quiet`` says the same on recent ffmpeg, but ffmpeg 5.1 (Debian 12's,
#: found first on PATH there) refuses it, and every build failed.
_EBUR128 = "ebur128=framelog=verbose"


class _Scanner:
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
            *(reads or [*pcm, "-af", _EBUR128]), "-f", "null", "-",
        ]  # fmt: skip
        self.proc = self.popen(cmd)
        if background:
            _yield_cpu(self.proc)
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

    @staticmethod
    def popen(cmd: list[str], **pipes: Any) -> subprocess.Popen[bytes]:
        """ffmpeg reading our stdin (unless given), its log on a pipe."""
        pipes.setdefault("stdin", subprocess.PIPE)
        pipes.setdefault("stdout", subprocess.DEVNULL)
        return subprocess.Popen(cmd, stderr=subprocess.PIPE, **pipes)

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

    def finish(self) -> _Measure:
        return _parse_summary(self.finish_log())

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


def _yield_cpu(proc: subprocess.Popen[bytes]) -> None:
    """Lower a helper process's CPU priority, where the OS allows it."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, proc.pid, 10)


#: Speech that sets the gain: enough to know the engine's level.
_PREFIX_S = 30.0
#: How much of it is limited and encoded to learn what limiter and codec take away.
_TRIAL_S = 10.0


def _limiter(gain: float, ceiling_db: float) -> str:
    # latency=1: the limiter's lookahead must not shift the audio (chapter times).
    return (
        f"volume={gain:.2f}dB,"
        f"alimiter=limit={10 ** (ceiling_db / 20):.4f}:level=0:latency=1:attack=5:release=80"
    )


class _Stream:
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
        self.encoder: _Encoder | None = None
        self.level: tuple[float, float] | None = None
        self.meter = _Scanner(rate) if target is not None else None
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
        gain = _gain_for(target.mono_lufs, level)
        if not gain:
            return 0.0
        clip = head[: round(_TRIAL_S * self.rate) * 2]
        exe, quiet = ffmpeg_exe(), ["-hide_banner", "-nostats"]
        raw = ["-f", "s16le", "-ar", str(self.rate), "-ac", "1"]
        graph = f"asplit[a][b];[a]{_EBUR128},anullsink;[b]{_limiter(gain, ceiling)}[o]"
        encode = [exe, *quiet, *raw, "-i", "pipe:0", "-filter_complex", graph, "-map", "[o]",
                  "-c:a", "libmp3lame", "-b:a", self.bitrate, "-f", "mp3", "pipe:1"]  # fmt: skip
        measure = [exe, *quiet, "-f", "mp3", "-i", "pipe:0",
                   "-af", _EBUR128, "-f", "null", "-"]  # fmt: skip
        encoder = _Scanner.popen(encode, stdout=subprocess.PIPE)
        assert encoder.stdout is not None
        meter = _Scanner.popen(measure, stdin=encoder.stdout)
        encoder.stdout.close()  # the meter owns the pipe now
        try:
            if _feed(encoder, clip):
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
        plain, heard = (_parse_summary(log).integrated for log in logs)
        if not (math.isfinite(plain) and math.isfinite(heard)):
            return gain
        return gain + (plain + gain) - heard

    def _start_encoder(self, level: tuple[float, float] | None) -> None:
        self.level = level
        measure = self.target is not None
        self.encoder = _Encoder(self.out, self.rate, self.bitrate, level, measure=measure)
        if self.on_encoding is not None:
            self.on_encoding()
        held, self.held = self.held, []
        for pcm in held:
            self.encoder.write(pcm)

    def finish(self) -> tuple[_Measure | None, FrameCounter]:
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


def _feed(proc: subprocess.Popen[bytes], data: bytes) -> bool:
    """Write ``data`` to ``proc``'s stdin and close it; False if the process stopped early."""
    assert proc.stdin is not None
    try:
        proc.stdin.write(data)
        proc.stdin.close()
    except BrokenPipeError:
        return False
    return True


def _gain_for(target_lufs: float, level: float) -> float:
    """The gain that moves ``level`` to the target; none for silence (nothing to scale)."""
    if not math.isfinite(level) or level <= -69.0:
        return 0.0
    return target_lufs - level


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
        silent = _gain_for(target.mono_lufs, final.integrated) == 0.0 and gain == 0.0
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
        encoder = _Encoder(out, rate, bitrate, (gain, ceiling), measure=True, source=work)
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


#: How far the AAC's loudness may sit from the MP3's before it is encoded again.
AAC_MATCH_LU = 0.2
#: At most this many AAC encodes (as the MP3 loop): AAC's true-peak overshoot varies from
#: one encode to the next, so a correction is measured again.
AAC_ENCODES = 3


def _match_aac(
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
    chain = ["-af", _limiter(*level)] if level is not None else []
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


class _Encoder:
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
        chain = ["-af", _limiter(*level)] if level is not None else []
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
            f"[a]{_EBUR128},asetnsamples=n=65536:p=0"
        )
        # The verifier yields the CPU to the encoder and to speech synthesis: on two cores the
        # encode is what the listener waits for, and the verifier keeps pace with what is left.
        self.scanner = (
            _Scanner(rate, reads=["-f", "lavfi", "-i", graph], background=True) if measure else None
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
            _reserve_tag(self.out)
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

    def finish(self) -> tuple[_Measure | None, FrameCounter]:
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
                level = _parse_summary(log)
                true_peak = float(peak[-1]) if peak and peak[-1] != "-inf" else -math.inf
                result = _Measure(level.integrated, level.range_lu, true_peak)
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


# --- gapless record -------------------------------------------------------------------------

_BITRATES = {
    # (MPEG-1, MPEG-2/2.5) Layer III, kbps by index
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


class FrameCounter:
    """Counts MP3 frames in a byte stream fed in arbitrary chunks (no tags expected).

    Exact where an estimate from the file size is not (22.05 kHz frames vary in size), and
    it runs on the bytes as they stream out of the encoder, so it costs no extra pass.
    """

    def __init__(self) -> None:
        self.frames = 0
        self.samples_per_frame = 0
        self._skip = 0  # bytes of the current frame still to come
        self._head = b""

    def feed(self, chunk: bytes) -> None:
        pos, n = self._skip, len(chunk)
        if self._head:
            # A header split across chunks: complete it from this chunk.
            need = 4 - len(self._head)
            header = self._head + chunk[:need]
            self._head = b""
            if len(header) < 4:
                self._head = header
                return
            pos = self._frame_length(header) - len(header) + need
        while pos + 4 <= n:
            pos += self._frame_length(chunk[pos : pos + 4])
        if pos < n:
            self._head = chunk[pos:]
            self._skip = 0
        else:
            self._skip = pos - n

    def _frame_length(self, header: bytes) -> int:
        b0, b1, b2 = header[0], header[1], header[2]
        if b0 != 0xFF or (b1 & 0xE0) != 0xE0:
            raise PublishError(f"not an MP3 frame header after {self.frames} frames")
        version = (b1 >> 3) & 3  # 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
        mpeg1 = version == 3
        kbps = _BITRATES[1 if mpeg1 else 2][b2 >> 4]
        rate = _RATES[version][(b2 >> 2) & 3]
        self.samples_per_frame = 1152 if mpeg1 else 576
        self.frames += 1
        return (144 if mpeg1 else 72) * kbps * 1000 // rate + ((b2 >> 1) & 1)


def _gapless(frames: FrameCounter, samples: int) -> Gapless:
    total = frames.frames * frames.samples_per_frame
    return Gapless(LAME_DELAY, total - LAME_DELAY - samples, samples)


#: Room left for the ID3 tag in front of the audio (chapters of a long book included), so
#: tagging rewrites the tag in place instead of moving hours of audio (which mutagen does
#: through a memory map: a ten-hour episode would briefly count 300 MB more resident).
TAG_RESERVE = 256 * 1024


def _reserve_tag(out: Path) -> None:
    """Start ``out`` with an empty ID3v2.4 tag padded to :data:`TAG_RESERVE` bytes."""
    from mutagen.id3 import ID3

    out.write_bytes(b"")
    ID3().save(out, v2_version=4, padding=lambda _info: TAG_RESERVE)


def keep_tag_space(info: object) -> int:
    """mutagen's ``padding`` rule for rewriting our tags: keep the space the tag has (so
    the audio after it is never moved: an in-place rewrite), and reserve anew only when a
    tag outgrows it. mutagen's default would shrink a small file's reserve, moving the whole
    MP3, and the next, larger tag would move it back."""
    padding = int(getattr(info, "padding", -1))
    return padding if padding >= 0 else TAG_RESERVE


def _write_gapless_tag(out: Path, gapless: Gapless) -> None:
    """An ID3v2 tag holding only ``iTunSMPB``; the publisher adds the rest and keeps it."""
    from mutagen.id3 import COMM, ID3

    tags = ID3()
    tags.add(COMM(encoding=0, lang="eng", desc="iTunSMPB", text=[gapless.itunsmpb()]))
    tags.save(out, v2_version=4, padding=keep_tag_space)
