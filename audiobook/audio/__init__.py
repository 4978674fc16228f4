"""Assembling speech into one episode: trim, pause, measure, normalise, encode once.

One module per job: :mod:`.ffmpeg` (the binary and its helper processes), :mod:`.loudness`
(target, meter, limiter), :mod:`.encode` (MP3 and AAC encodes), :mod:`.stream` (the gain
trial and the streamed encode), :mod:`.mp3` (frames, the gapless record and its ID3 tag),
:mod:`.decode` (back to PCM) and :mod:`.assemble` (the episode: joins, pauses, timing).

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

from audiobook.audio.assemble import Assembled, Pauses, assemble, trim
from audiobook.audio.decode import decode_file, decode_to_pcm
from audiobook.audio.encode import AAC_BITRATE, BITRATE, encode_aac
from audiobook.audio.ffmpeg import ffmpeg_exe
from audiobook.audio.loudness import DUAL_MONO_OFFSET_DB, LoudnessTarget, measure_file
from audiobook.audio.mp3 import (
    LAME_DELAY,
    TAG_RESERVE,
    FrameCounter,
    Gapless,
    keep_tag_space,
    read_gapless,
)

__all__ = [
    "AAC_BITRATE",
    "BITRATE",
    "DUAL_MONO_OFFSET_DB",
    "LAME_DELAY",
    "TAG_RESERVE",
    "Assembled",
    "FrameCounter",
    "Gapless",
    "LoudnessTarget",
    "Pauses",
    "assemble",
    "decode_file",
    "decode_to_pcm",
    "encode_aac",
    "ffmpeg_exe",
    "keep_tag_space",
    "measure_file",
    "read_gapless",
    "trim",
]
