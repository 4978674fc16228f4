"""The episode record on disk: ``episodes.json``'s JSON, written and read back checked.

``episodes.json`` is a file users may edit by hand and older versions wrote with fewer keys,
so reading it checks every value's type and names the first wrong one (a
:class:`~audiobook.errors.RecordError`: one line, exit 6) rather than letting a string reach
arithmetic three modules later. Keys older versions did not write take their defaults; a cue
without a ``section`` (written before cues kept it) gets its chapter from the chapter times,
the one place that is still derived. Unknown top-level keys are ignored, as they always were.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any, NoReturn

from audiobook.errors import RecordError
from audiobook.models import (
    FILE_KINDS,
    ArticleNote,
    Chapter,
    Cue,
    EpisodeFiles,
    EpisodeRecord,
)

#: The store's format version (unchanged by additive keys: older readers ignore them).
VERSION = 1


def record_to_json(record: EpisodeRecord) -> dict[str, Any]:
    """One episode as ``episodes.json`` holds it (keys in the record's field order)."""
    out = asdict(record)
    out["chapters"] = [asdict(c) for c in record.chapters]
    out["cues"] = [_cue_json(c) for c in record.cues]
    out["files"] = dict(record.files)
    out["articles"] = [{"title": a.title, "link": a.link} for a in record.articles]
    return out


def _cue_json(cue: Cue) -> dict[str, Any]:
    out: dict[str, Any] = {"text": cue.text, "start_s": cue.start_s, "end_s": cue.end_s}
    out["section"] = cue.section
    if cue.fallback:
        out["fallback"] = True
    return out


def store_bytes(episodes: Sequence[Mapping[str, Any]]) -> bytes:
    """The whole of ``episodes.json``, from its episodes' JSON (see :func:`record_to_json`)."""
    payload = {"version": VERSION, "episodes": list(episodes)}
    return (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def read_store(text: str, where: str) -> list[EpisodeRecord]:
    """Every episode of an ``episodes.json`` (``where`` names it in errors), checked."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise RecordError(f"{where}: damaged episode store, not JSON ({exc})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("episodes"), list):
        raise RecordError(f'{where}: damaged episode store (no "episodes" list)')
    return read_episodes(raw["episodes"], where)


def read_episodes(items: Sequence[Any], where: str) -> list[EpisodeRecord]:
    """Episode records from their JSON (a store's ``episodes``, a journal's), checked."""
    out = []
    for n, item in enumerate(items, 1):
        name = item.get("id") if isinstance(item, dict) else None
        label = f"{where}: episode {n}" + (f" ({name!r})" if isinstance(name, str) else "")
        out.append(record_from_json(item, label))
    return out


def record_from_json(raw: Any, label: str) -> EpisodeRecord:
    """One episode record from its JSON; a :class:`RecordError` naming ``label`` and the
    key when a value is missing or of the wrong type."""
    check = _Checker(label)
    item = check.mapping(raw, "")
    chapters = tuple(
        Chapter(
            title=check.text(c, "title"),
            start_s=check.number(c, "start_s"),
            end_s=check.number(c, "end_s"),
            level=check.integer(c, "level", default=1, low=1),
        )
        for c in check.items(item, "chapters", required=True)
    )
    cues = tuple(_cue(check, c, chapters) for c in check.items(item, "cues"))
    files = check.mapping(item.get("files", {}), "files")
    unknown = sorted(set(files) - set(FILE_KINDS))
    if unknown:
        check.fail(f"files has unknown kinds {unknown} (known: {', '.join(FILE_KINDS)})")
    articles = tuple(
        ArticleNote(check.text(a, "title"), check.text(a, "link", optional=True))
        for a in check.items(item, "articles")
    )
    return EpisodeRecord(
        id=check.text(item, "id"),
        guid=check.text(item, "guid"),
        title=check.text(item, "title"),
        mp3=check.text(item, "mp3"),
        bytes=check.integer(item, "bytes", low=0),
        duration_s=check.number(item, "duration_s"),
        pub_date=check.text(item, "pub_date"),
        engine=check.text(item, "engine"),
        voice=check.text(item, "voice"),
        chapters=chapters,
        byline=check.text(item, "byline", optional=True),
        source=check.text(item, "source", optional=True),
        updated=check.text(item, "updated", optional=True),
        files=EpisodeFiles(**{k: check.text(files, k, where="files") for k in files}),
        cues=cues,
        article=check.text(item, "article", optional=True),
        articles=articles,
    )


def _cue(check: _Checker, raw: Mapping[str, Any], chapters: Sequence[Chapter]) -> Cue:
    start = check.number(raw, "start_s")
    if "section" in raw:
        section = check.integer(raw, "section", low=0)
        if section >= max(1, len(chapters)):
            check.fail(f"cue section {section} names no chapter (there are {len(chapters)})")
    else:  # written before cues kept their chapter: the one whose time range holds it
        section = max(
            (i for i, c in enumerate(chapters) if c.start_s <= start + 0.001), default=0
        )
    fallback = raw.get("fallback", False)
    if not isinstance(fallback, bool):
        check.fail(f"cue fallback must be true or false, not {fallback!r}")
    return Cue(check.text(raw, "text"), start, check.number(raw, "end_s"), section, fallback)


class _Checker:
    """Typed reads of JSON values, failing with the record's label and the key."""

    def __init__(self, label: str) -> None:
        self.label = label

    def fail(self, why: str) -> NoReturn:
        raise RecordError(f"{self.label}: {why}")

    def mapping(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(f"{key or 'the record'} must be an object, not {_shown(value)}")
        return value

    def items(
        self, item: Mapping[str, Any], key: str, *, required: bool = False
    ) -> list[dict[str, Any]]:
        if key not in item and not required:
            return []
        if key not in item:
            self.fail(f"missing key {key!r}")
        value = item[key]
        if not isinstance(value, list):
            self.fail(f"{key} must be a list, not {_shown(value)}")
        for n, entry in enumerate(value):
            self.mapping(entry, f"{key}[{n}]")
        return value

    def _get(self, item: Mapping[str, Any], key: str, where: str, optional: bool) -> Any:
        if key not in item:
            if optional:
                return None
            self.fail(f"missing key {key!r}" + (f" in {where}" if where else ""))
        return item[key]

    def text(
        self, item: Mapping[str, Any], key: str, *, optional: bool = False, where: str = ""
    ) -> Any:
        value = self._get(item, key, where, optional)
        if value is None and optional:
            return None
        if not isinstance(value, str):
            self.fail(f"{_key(where, key)} must be text, not {_shown(value)}")
        return value

    def number(self, item: Mapping[str, Any], key: str) -> float:
        value = self._get(item, key, "", False)
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            self.fail(f"{key} must be a number, not {_shown(value)}")
        if value < 0:
            self.fail(f"{key} must not be negative, not {value!r}")
        return float(value)

    def integer(
        self, item: Mapping[str, Any], key: str, *, default: int | None = None, low: int = 0
    ) -> int:
        if key not in item and default is not None:
            return default
        value = self._get(item, key, "", False)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            self.fail(f"{key} must be a whole number from {low}, not {_shown(value)}")
        return int(value)


def _key(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"

