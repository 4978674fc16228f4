"""ASCII names for files and URLs: Apple and many hosts want them, titles are Chinese."""

from __future__ import annotations

import os
import re
import unicodedata
from types import ModuleType

MAX_SLUG = 60


def load_pypinyin() -> ModuleType:
    """pypinyin, imported on first use: its tables cost about 60 MB and a seventh of a
    second, which a build only needs at the end. We never change them, so pypinyin's private
    copy of each (its default, for callers that add words) is skipped: a third of the cost."""
    os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")
    import pypinyin

    return pypinyin


def warm() -> None:
    """Load pypinyin's tables now (see :func:`audiobook.pipeline.build`)."""
    load_pypinyin()


def slugify(title: str, *, fallback: str = "episode") -> str:
    """``社区干部，腾出手干实事`` → ``she-qu-gan-bu-teng-chu-shou-gan-shi-shi``.

    Only ``[a-z0-9-]`` survive, so no title can name a path outside the output folder.
    """
    words = load_pypinyin().lazy_pinyin(title, errors=lambda chars: [chars])
    ascii_text = unicodedata.normalize("NFKD", " ".join(words)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > MAX_SLUG:
        # Cut at a syllable boundary: half a pinyin syllable reads as a different word.
        cut = slug[: MAX_SLUG + 1].rfind("-")
        slug = slug[: cut if cut > 0 else MAX_SLUG]
    slug = slug.rstrip("-")
    if not slug:
        slug = re.sub(r"[^a-z0-9]+", "-", fallback.lower()).strip("-")[:MAX_SLUG] or "episode"
    return slug
