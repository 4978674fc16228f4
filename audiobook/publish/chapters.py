"""Podcasting 2.0 JSON chapters: the file ``podcast:chapters`` points apps at.

Apps that ignore ID3 CHAP frames (most web players, Podcast Index apps) read chapters from
this file instead; it is written from the same sample-counted times as the ID3 frames, so
both agree with the audio.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from audiobook.models import Chapter

#: The JSON chapters spec version we write; the spec wants it as a string.
VERSION = "1.2.0"
#: The MIME type the spec registers for these files (used in the feed and by ``serve``).
MIME_TYPE = "application/json+chapters"


#: Joins a nested chapter's title to its parents' (the spec's chapters are a flat list).
PATH_SEPARATOR = " › "


def chapters_json(
    chapters: Sequence[Chapter], *, title: str | None = None, paths: bool = False
) -> bytes:
    """Chapters as the spec's JSON (times in seconds, millisecond precision).

    ``paths``: title a nested chapter by its path (``文章 › 小节``). The spec has no nesting, so
    an edition, whose sections belong to different articles, says which article each is in;
    a single article's chapters keep the titles its ID3 chapters have.
    """
    payload: dict[str, object] = {"version": VERSION}
    if title:
        payload["title"] = title
    parents: list[str] = []
    listed = []
    for c in chapters:
        name = c.title
        if paths:
            level = max(1, c.level)
            parents = [*parents[: level - 1], name]
            name = PATH_SEPARATOR.join(parents)
        listed.append(
            {
                "startTime": round(c.start_s, 3),
                "endTime": round(c.end_s, 3),
                "title": name,
            }
        )
    payload["chapters"] = listed
    return (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
