"""The text front end: pure functions from raw input to speakable segments.

Stages, one module each, in pipeline order:

- :mod:`.read`      bytes/path/stdin -> :class:`~audiobook.models.Document` (encoding detection)
- :mod:`.clean`     str -> :class:`~audiobook.models.Cleaned` (named removal rules, each recorded)
- :mod:`.convert`   str -> str (OpenCC Traditional -> Simplified)
- :mod:`.structure` str -> :class:`~audiobook.models.Article` (title, byline, sections)
- :mod:`.script`    Article -> tuple[:class:`~audiobook.models.Segment`] (sentences, normalised)
"""

import unicodedata

__all__ = [
    "has_letter_or_number",
]


def has_letter_or_number(s: str) -> bool:
    """Does ``s`` hold a letter or a number (Unicode category L* or N*), i.e. something to say?

    Shared by cleaning (an emoji-range match holding letters is not an emoji) and the script
    (engines fail on pieces with nothing to say: only punctuation, symbols or spaces).
    """
    return any(unicodedata.category(c)[0] in "LN" for c in s)
