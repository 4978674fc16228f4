"""Every way a time is written in what we publish, in one place, each named for its form.

Each format is fixed by the reader it is for (a podcast app's show notes, Podlove Simple
Chapters, WebVTT and SRT, DAISY 2.02's SMIL 1.0 and ncc, EPUB 3 media overlays, our own
page): they differ in padding, rounding and precision, and a wrong one is a file some
player quietly misreads. Keeping them side by side, under names that say which is which,
stops two formatters with one name from drifting apart.
"""

from __future__ import annotations


def _split_ms(ms: int) -> tuple[int, int, int, int]:
    """Hours, minutes, seconds and milliseconds of a non-negative millisecond count."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return hours, minutes, seconds, millis


def chapter_clock(seconds: float) -> str:
    """``MM:SS`` (``H:MM:SS`` past an hour), whole seconds cut, not rounded: the form podcast
    apps turn into clickable chapter links in show notes (a link never lands after its
    chapter begins)."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def hms_millis(seconds: float, sep: str = ".") -> str:
    """``HH:MM:SS.mmm``: normal play time for Podlove Simple Chapters and WebVTT cue times
    (``sep=","`` for SRT). Rounded once, in whole milliseconds, so 59.9996 s carries into
    the minute."""
    hours, minutes, secs, ms = _split_ms(max(0, round(seconds * 1000)))
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{sep}{ms:03d}"


def hms(seconds: float) -> str:
    """``hh:mm:ss`` to the nearest second, as DAISY 2.02's ``ncc:totalTime`` and SMIL
    elapsed-time metadata want it."""
    whole = max(0, round(seconds))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def npt_seconds(seconds: float) -> str:
    """``npt=12.345s``: a SMIL 1.0 clip time (DAISY 2.02's ``clip-begin``/``clip-end``)."""
    return f"npt={seconds:.3f}s"


def smil_clock(ms: int) -> str:
    """``h:mm:ss.fff`` from whole milliseconds: a SMIL 3 full clock value, as EPUB media
    overlays' ``clipBegin``/``clipEnd`` and ``media:duration`` want it (hours unpadded)."""
    hours, minutes, secs, millis = _split_ms(max(0, ms))
    return f"{hours}:{minutes:02d}:{secs:02d}.{millis:03d}"


def minutes_seconds(seconds: float) -> str:
    """``m:ss`` to the nearest second (minutes unbounded): an episode's length in a listing."""
    minutes, secs = divmod(max(0, round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


def duration_zh(seconds: float) -> str:
    """``3 分 5 秒`` (``5 秒`` under a minute), to the nearest second: a length as the web
    page says it to a Chinese reader."""
    minutes, secs = divmod(max(0, round(seconds)), 60)
    return f"{minutes} 分 {secs} 秒" if minutes else f"{secs} 秒"
