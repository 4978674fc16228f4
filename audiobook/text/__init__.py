"""The text front end: pure functions from raw input to speakable segments.

Stages, one module each, in pipeline order:

- :mod:`.read`      bytes/path/stdin -> :class:`~audiobook.models.Document` (encoding detection)
- :mod:`.clean`     str -> :class:`~audiobook.models.Cleaned` (named removal rules, each recorded)
- :mod:`.convert`   str -> str (OpenCC Traditional -> Simplified)
- :mod:`.structure` str -> :class:`~audiobook.models.Article` (title, byline, sections)
- :mod:`.script`    Article -> tuple[:class:`~audiobook.models.Segment`] (sentences, normalised)
"""
