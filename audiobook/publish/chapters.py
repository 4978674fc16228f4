"""Podcasting 2.0 JSON chapters: the file ``podcast:chapters`` points apps at.

Apps that ignore ID3 CHAP frames (most web players, Podcast Index apps) read chapters from
this file instead; it is written from the same sample-counted times as the ID3 frames, so
both agree with the audio.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

#: The JSON chapters spec version we write; the spec wants it as a string.
VERSION = "1.2.0"
#: The MIME type the spec registers for these files (used in the feed and by ``serve``).
MIME_TYPE = "application/json+chapters"


def chapters_json(chapters: Sequence[Mapping[str, object]], *, title: str | None = None) -> bytes:
    """Chapters as the spec's JSON (times in seconds, millisecond precision)."""
    payload: dict[str, object] = {"version": VERSION}
    if title:
        payload["title"] = title
    payload["chapters"] = [
        {
            "startTime": round(float(str(c["start_s"])), 3),
            "endTime": round(float(str(c["end_s"])), 3),
            "title": str(c["title"]),
        }
        for c in chapters
    ]
    return (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
