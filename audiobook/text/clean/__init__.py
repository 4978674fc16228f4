"""Cleaning: remove the noise scrapers and spam sites leave in an article, and say what went.

Cleaning only ever *deletes*: every rule returns spans of the current text, and each deletion
is recorded as a :class:`~audiobook.models.Removal` whose ``start``/``end`` index the text that
was passed to :func:`clean`. So ``clean --diff``, the build record and the tests all read the
same records, and ``cleaned == input with every removal cut out`` is an invariant the tests
check. Rules run in a fixed order and the whole chain repeats until nothing changes, which is
what makes :func:`clean` idempotent (removing a passage can expose a keyword, and so on).

Rules are named so that a producer can switch one off (``keep``) when it misfires, or switch
on an optional one (``drop``). Rules that judge content (keywords, spliced passages) decide
from evidence in the document itself — a word broken apart, a passage whose vocabulary the
rest of the article never uses — never from a list of one article's fragments.

Rules for what a scraped page wraps around the article (captions, source and editor lines,
share buttons, headline copies, wire codes) are precision first: a line goes only when the
whole line has a known shape, text inside a line only in a very specific shape (``風(fēng)``,
``（新华社记者 张三 摄）``, ``【纠错】``); in doubt the text stays. They are measured to remove
no letter or digit from a few hundred clean news articles in either script.

The package: :mod:`.chain` (rule names and the driver), the rules by kind (:mod:`.characters`,
:mod:`.line_rules`, :mod:`.chrome`, :mod:`.glosses`, :mod:`.keywords`) and what they share
(:mod:`.context`).
"""

from __future__ import annotations

from audiobook.text.clean.chain import (
    DEFAULT_RULES,
    OPTIONAL_RULES,
    RULES,
    apply_removals,
    clean,
)
from audiobook.text.clean.keywords import shipped_keywords

__all__ = [
    "DEFAULT_RULES",
    "OPTIONAL_RULES",
    "RULES",
    "apply_removals",
    "clean",
    "shipped_keywords",
]
