"""Podcasting 2.0 JSON chapters: a flat list; an edition's nested chapters named by their path."""

from __future__ import annotations

import json

from audiobook.publish.chapters import chapters_json

EDITION = [
    {"title": "本期要目", "start_s": 0.0, "end_s": 5.0, "level": 1},
    {"title": "第一篇", "start_s": 5.0, "end_s": 9.0, "level": 1},
    {"title": "背景", "start_s": 9.0, "end_s": 12.0, "level": 2},
    {"title": "细节", "start_s": 12.0, "end_s": 13.0, "level": 3},
    {"title": "第二篇", "start_s": 13.0, "end_s": 20.0, "level": 1},
    {"title": "结语", "start_s": 20.0, "end_s": 21.5, "level": 2},
]


def test_nested_chapters_carry_their_parents_titles_when_asked() -> None:
    listed = json.loads(chapters_json(EDITION, paths=True))["chapters"]
    assert [c["title"] for c in listed] == [
        "本期要目", "第一篇", "第一篇 › 背景", "第一篇 › 背景 › 细节", "第二篇", "第二篇 › 结语",
    ]  # fmt: skip
    assert [c["startTime"] for c in listed] == [0.0, 5.0, 9.0, 12.0, 13.0, 20.0]


def test_without_paths_titles_are_the_chapters_own() -> None:
    listed = json.loads(chapters_json(EDITION))["chapters"]
    assert [c["title"] for c in listed] == [c["title"] for c in EDITION]
