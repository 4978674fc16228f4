"""The chain: rule names and order, and :func:`clean`, which runs the rules until nothing
changes and records every removal against the input."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from pathlib import Path

from audiobook.errors import ConfigError
from audiobook.models import Cleaned, Removal
from audiobook.text import splice
from audiobook.text.clean.characters import INVISIBLE, LATIN_NOISE, MOJIBAKE, URL, emoji, regex_rule
from audiobook.text.clean.chrome import (
    blank_lines,
    end_mark,
    furniture,
    headline_copy,
    keyword_line,
    source_line,
    wire_code,
)
from audiobook.text.clean.context import Context, Span
from audiobook.text.clean.glosses import pinyin_glosses
from audiobook.text.clean.keywords import keyword_spans, parse_keywords, shipped_keywords
from audiobook.text.clean.line_rules import caption, caption_copy, decoration, footer, separator

#: Rules on by default, in the order they run. ``caption`` runs before ``emoji``, which would
#: take the ``▲`` that marks a caption; ``caption-copy`` after the furniture above a headline
#: has gone (the first line is never a copy); ``keyword-line`` before ``keyword``, which takes
#: an SEO line as evidence that the page is salted.
DEFAULT_RULES: tuple[str, ...] = (
    "invisible",
    "mojibake",
    "url",
    "pinyin",
    "decoration",
    "caption",
    "emoji",
    "headline-copy",
    "source-line",
    "furniture",
    "footer",
    "caption-copy",
    "wire-code",
    "keyword-line",
    "keyword",
    "splice",
    "separator",
    "blank-lines",
)
#: Rules a user may switch on with ``drop`` (they cost more false positives on some sources).
OPTIONAL_RULES: tuple[str, ...] = ("latin-noise", "end-mark", "suspect")
RULES: tuple[str, ...] = DEFAULT_RULES + OPTIONAL_RULES

_MAX_PASSES = 8


_RULE_FUNCS: dict[str, Callable[[str, Context], list[Span]]] = {
    "invisible": regex_rule(INVISIBLE),
    "mojibake": regex_rule(MOJIBAKE),
    "url": regex_rule(URL),
    "emoji": emoji,
    "footer": footer,
    "caption": caption,
    "caption-copy": caption_copy,
    "pinyin": pinyin_glosses,
    "decoration": decoration,
    "headline-copy": headline_copy,
    "source-line": source_line,
    "furniture": furniture,
    "wire-code": wire_code,
    "keyword-line": keyword_line,
    "keyword": keyword_spans,
    "splice": lambda text, ctx: splice.detect(text, ctx.splice_prior),
    "separator": separator,
    "blank-lines": blank_lines,
    "latin-noise": regex_rule(LATIN_NOISE),
    "end-mark": end_mark,
    # Passages the splice detector reports but does not remove on its own evidence.
    "suspect": lambda text, ctx: splice.suspects(text, ctx.splice_prior),
}


def _merge(spans: Iterable[Span], size: int) -> list[Span]:
    out: list[list[int]] = []
    for s, e in sorted((max(0, s), min(size, e)) for s, e in spans):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def clean(
    text: str,
    *,
    keep: Collection[str] = (),
    drop: Collection[str] = (),
    extra_keywords: Collection[str] = (),
    keyword_file: Path | None = None,
) -> Cleaned:
    """Remove noise from ``text``; ``keep`` switches rules off, ``drop`` switches optional ones on.

    Raises :class:`ConfigError` (a ``ValueError``) only for an unknown rule name, a usage
    error; any text is accepted.
    """
    unknown = sorted((set(keep) | set(drop)) - set(RULES))
    if unknown:
        raise ConfigError(
            f"unknown cleaning rule(s): {', '.join(unknown)}; known: {', '.join(RULES)}"
        )
    active = [r for r in RULES if (r in DEFAULT_RULES or r in drop) and r not in keep]
    user = tuple(extra_keywords)
    if keyword_file is not None:
        user += parse_keywords(Path(keyword_file).read_text("utf-8"))
    ctx = Context(shipped_keywords(), user)

    current = text
    origin = list(range(len(text)))  # origin[i] = index in `text` of current[i]
    removals: list[Removal] = []
    for _ in range(_MAX_PASSES):
        changed = False
        for rule in active:
            spans = _merge(_RULE_FUNCS[rule](current, ctx), len(current))
            if not spans:
                continue
            if rule in ("keyword", "keyword-line"):
                ctx.spam += len(spans)
            changed = True
            for s, e in spans:
                removals.extend(_to_input(rule, origin[s:e], text))
            keep_mask = [True] * len(current)
            for s, e in spans:
                for i in range(s, e):
                    keep_mask[i] = False
            current = "".join(c for c, k in zip(current, keep_mask, strict=True) if k)
            origin = [o for o, k in zip(origin, keep_mask, strict=True) if k]
        if not changed:
            break
    removals.sort(key=lambda r: r.start)
    suspects: list[Removal] = []
    if "splice" in active and "suspect" not in active:
        for s, e in splice.suspects(current, ctx.splice_prior):
            suspects.extend(_to_input("suspect", origin[s:e], text))
    return Cleaned(current, tuple(removals), tuple(suspects))


def _to_input(rule: str, positions: list[int], text: str) -> list[Removal]:
    """Turn removed positions (input indices, ascending) into contiguous input spans.

    A later rule can remove text around an earlier removal (a spliced passage that contained a
    keyword); splitting keeps the records disjoint, so each removal's ``text`` is exactly
    ``input[start:end]``.
    """
    out: list[Removal] = []
    if not positions:
        return out
    run_start = prev = positions[0]
    for p in positions[1:]:
        if p != prev + 1:
            out.append(Removal(rule, run_start, prev + 1, text[run_start : prev + 1]))
            run_start = p
        prev = p
    out.append(Removal(rule, run_start, prev + 1, text[run_start : prev + 1]))
    return out


def apply_removals(text: str, removals: Iterable[Removal]) -> str:
    """Cut ``removals`` out of ``text`` (the inverse view used by ``--diff`` and tests)."""
    spans = _merge(((r.start, r.end) for r in removals), len(text))
    out, pos = [], 0
    for s, e in spans:
        out.append(text[pos:s])
        pos = e
    out.append(text[pos:])
    return "".join(out)
