"""Scheduling speech: run an engine over every segment, in order, through the cache.

FIRST VERSION (foundation): sequential, with an on-disk content-addressed cache. The edge
voices issue extends it with bounded concurrency and retries.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from audiobook.engines.base import Engine, VoiceSettings
from audiobook.errors import EngineError
from audiobook.models import Boundary, Segment, Speech


def cache_key(settings: VoiceSettings, text: str) -> str:
    """Content address of one request: every input that changes the audio, and nothing else."""
    payload = json.dumps([*settings.cache_key_parts(), text], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class SegmentCache:
    """PCM + timings per cache key, one small pair of files each, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}.pcm", folder / f"{key}.json"

    def get(self, key: str) -> Speech | None:
        pcm_path, meta_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            pcm = pcm_path.read_bytes()
        except (OSError, ValueError):
            return None
        if len(pcm) != meta.get("bytes"):
            return None
        bounds = tuple(Boundary(**b) for b in meta.get("boundaries", []))
        return Speech(pcm, int(meta["sample_rate"]), bounds)

    def put(self, key: str, speech: Speech) -> None:
        pcm_path, meta_path = self._paths(key)
        pcm_path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "sample_rate": speech.sample_rate,
            "bytes": len(speech.pcm),
            "boundaries": [b.__dict__ for b in speech.boundaries],
        }
        for path, data in ((pcm_path, speech.pcm), (meta_path, json.dumps(meta).encode())):
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)


def synthesize_all(
    engine: Engine,
    settings: VoiceSettings,
    segments: Sequence[Segment],
    *,
    cache: SegmentCache | None = None,
    on_done: Callable[[Segment], None] | None = None,
) -> list[Speech]:
    """Speech for every segment, in segment order."""
    out: list[Speech] = []
    for seg in segments:
        key = cache_key(settings, seg.spoken_text)
        speech = cache.get(key) if cache else None
        if speech is None:
            try:
                speech = engine.synthesize(seg.spoken_text)
            except EngineError as exc:
                raise EngineError(f"section {seg.section + 1}, sentence {seg.index + 1}: {exc}") from exc
            if cache:
                cache.put(key, speech)
        out.append(speech)
        if on_done:
            on_done(seg)
    return out
