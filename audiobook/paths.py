"""Where audiobook keeps what it can make again."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """Where audiobook keeps caches (segment audio, voice lists, the dictionary store); safe
    to delete. ``$XDG_CACHE_HOME/audiobook``, else ``~/.cache/audiobook``."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "audiobook"
