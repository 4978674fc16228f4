"""What a build refuses before any speech: a text too long to speak in one episode, an
output folder it cannot write, audio that would not fit on that folder's disk. Each is one
line and an exit code now, rather than a failure hours into synthesis.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from audiobook.errors import InputError, PublishError
from audiobook.models import Segment

#: The most characters one build speaks: about 53 hours of speech, a long audiobook. A
#: larger text (a 5 MB article is some 108 hours and 17 GB of audio spool) is refused before
#: any speech, to be split into parts.
MAX_SPOKEN_CHARS = 1_000_000
#: Mandarin read aloud, at the slower of the voices: the seed takes 0.26 s a character with
#: espeak-ng (the edge voices about 0.19), pauses included.
SECONDS_PER_CHAR = 0.27
#: Disk a second of speech takes while building: the PCM spool (16-bit mono at up to 24 kHz)
#: and the MP3 (64 kbit/s), both in the output folder's staging.
DISK_BYTES_PER_SECOND = 24_000 * 2 + 64_000 // 8
#: Room kept free beyond the estimate (the store, the page, other files).
DISK_MARGIN_BYTES = 64 * 1024 * 1024


def check_size(source: str, segments: Sequence[Segment], output: Path) -> None:
    """Refuse, before any speech, a text longer than :data:`MAX_SPOKEN_CHARS`, and one whose
    audio would not fit on the output folder's disk (exit 4, one line) — not hours later."""
    chars = sum(len(s.display_text) for s in segments)
    hours = chars * SECONDS_PER_CHAR / 3600
    if chars > MAX_SPOKEN_CHARS:
        limit = MAX_SPOKEN_CHARS * SECONDS_PER_CHAR / 3600
        raise InputError(
            f"{source}: {chars:,} characters to speak (about {hours:.0f} hours); a build speaks "
            f"at most {MAX_SPOKEN_CHARS:,} (about {limit:.0f} hours): split it into parts"
        )
    needed = int(chars * SECONDS_PER_CHAR * DISK_BYTES_PER_SECOND) + DISK_MARGIN_BYTES
    existing = output
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        free = shutil.disk_usage(existing).free
    except OSError:
        return
    if free < needed:
        raise PublishError(
            f"{output}: about {_size(needed)} free needed for {_duration(hours)} of audio, "
            f"{_size(free)} free"
        )


def _duration(hours: float) -> str:
    return f"{hours:.1f} hours" if hours >= 1 else f"{hours * 60:.0f} minutes"


def _size(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def check_output(folder: Path) -> None:
    """Refuse an unusable output folder before minutes of synthesis, not after — without
    creating it: a build that fails before it publishes leaves no trace (the folder is made
    when its staging is)."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise PublishError(f"{folder}: cannot write episodes here ({existing} is not a folder)")
    if not os.access(existing, os.W_OK | os.X_OK):
        why = "read-only file system" if _read_only(existing) else "permission denied"
        raise PublishError(f"{folder}: cannot write episodes here ({why})")


def _read_only(folder: Path) -> bool:
    with contextlib.suppress(OSError, AttributeError):
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    return False
