"""What an MP3 of ours carries besides its audio: the frame count, the gapless record
(``iTunSMPB``: encoder delay and padding) and the ID3 tag room it lives in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audiobook.errors import PublishError

#: libmp3lame's priming: encoder delay (576) + decoder delay (528 + 1), as ffmpeg reports it.
LAME_DELAY = 1105
#: Samples per MP3 frame: MPEG-1 Layer III has 1152, MPEG-2/2.5 (≤ 24 kHz) 576.


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


def frame_gapless(frames: FrameCounter, samples: int) -> Gapless:
    total = frames.frames * frames.samples_per_frame
    return Gapless(LAME_DELAY, total - LAME_DELAY - samples, samples)


#: Room left for the ID3 tag in front of the audio (chapters of a long book included), so
#: tagging rewrites the tag in place instead of moving hours of audio (which mutagen does
#: through a memory map: a ten-hour episode would briefly count 300 MB more resident).
TAG_RESERVE = 256 * 1024


def reserve_tag(out: Path) -> None:
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


def write_gapless_tag(out: Path, gapless: Gapless) -> None:
    """An ID3v2 tag holding only ``iTunSMPB``; the publisher adds the rest and keeps it."""
    from mutagen.id3 import COMM, ID3

    tags = ID3()
    tags.add(COMM(encoding=0, lang="eng", desc="iTunSMPB", text=[gapless.itunsmpb()]))
    tags.save(out, v2_version=4, padding=keep_tag_space)


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
