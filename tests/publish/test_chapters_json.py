"""Podcasting 2.0 JSON chapters: a flat list; an edition's nested chapters named by their path."""

from __future__ import annotations

import json

from audiobook.models import Chapter
from audiobook.publish.chapters import chapters_json

EDITION = [
    Chapter("本期要目", 0.0, 5.0, 1),
    Chapter("第一篇", 5.0, 9.0, 1),
    Chapter("背景", 9.0, 12.0, 2),
    Chapter("细节", 12.0, 13.0, 3),
    Chapter("第二篇", 13.0, 20.0, 1),
    Chapter("结语", 20.0, 21.5, 2),
]


def test_nested_chapters_carry_their_parents_titles_when_asked() -> None:
    listed = json.loads(chapters_json(EDITION, paths=True))["chapters"]
    assert [c["title"] for c in listed] == [
        "本期要目", "第一篇", "第一篇 › 背景", "第一篇 › 背景 › 细节", "第二篇", "第二篇 › 结语",
    ]  # fmt: skip
    assert [c["startTime"] for c in listed] == [0.0, 5.0, 9.0, 12.0, 13.0, 20.0]


def test_without_paths_titles_are_the_chapters_own() -> None:
    listed = json.loads(chapters_json(EDITION))["chapters"]
    assert [c["title"] for c in listed] == [c.title for c in EDITION]
