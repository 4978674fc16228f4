"""ASCII names for files and URLs: Apple and many hosts want them, titles are Chinese."""

from __future__ import annotations

import re
import unicodedata

from audiobook.publish.pinyin import lazy_pinyin

MAX_SLUG = 60


def slugify(title: str, *, fallback: str = "episode") -> str:
    """``社区干部，腾出手干实事`` → ``she-qu-gan-bu-teng-chu-shou-gan-shi-shi``.

    Only ``[a-z0-9-]`` survive, so no title can name a path outside the output folder.
    """
    words = lazy_pinyin(title)
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
