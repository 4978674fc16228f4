"""The ffmpeg every stage runs, and the small rules for running it as a helper process."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from functools import cache

from audiobook.errors import EngineError


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
    return exe


def popen(cmd: list[str], **pipes: object) -> subprocess.Popen[bytes]:
    """ffmpeg reading our stdin (unless given), its log on a pipe."""
    pipes.setdefault("stdin", subprocess.PIPE)
    pipes.setdefault("stdout", subprocess.DEVNULL)
    return subprocess.Popen(cmd, stderr=subprocess.PIPE, **pipes)  # type: ignore[call-overload]


def write_and_close(proc: subprocess.Popen[bytes], data: bytes) -> bool:
    """Write ``data`` to ``proc``'s stdin and close it; False if the process stopped early."""
    assert proc.stdin is not None
    try:
        proc.stdin.write(data)
        proc.stdin.close()
    except BrokenPipeError:
        return False
    return True


def yield_cpu(proc: subprocess.Popen[bytes]) -> None:
    """Lower a helper process's CPU priority, where the OS allows it."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, proc.pid, 10)
