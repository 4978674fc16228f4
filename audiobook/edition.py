"""A daily edition: many articles, one episode, the way a radio news programme runs.

The episode opens with a rundown (the edition's title and date, then the headlines in order)
as its own chapter; then each article is a chapter, headed by its headline (spoken, as every
chapter title is), with the article's own sections nested one level below it. That nesting is
the same section ``level`` a book's parts and chapters use, so every output that shows a
book's levels (the ID3 CTOC hierarchy, the DAISY navigation, the web page's chapter list)
shows the edition's, without knowing what an edition is.

Each article goes through :func:`audiobook.pipeline.prepare` alone — read, cleaned (with its
own record of removals), converted, structured — exactly as a single build would, and its
paragraphs are spoken as the same sentences: the sentence cache is content-addressed, so an
edition built after its articles (or before) speaks only the rundown anew.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date as Date
from pathlib import Path
from typing import Any

from audiobook import pipeline
from audiobook.errors import AudiobookError, InputError
from audiobook.inputs import is_url
from audiobook.models import Article, Cleaned, Document, Section
from audiobook.text.structure import LEAD_TITLE

RUNDOWN_TITLE = "本期要目"
#: What a folder's files are read as (anything else in it is not an article).
ARTICLE_EXTENSIONS = (".txt", ".md", ".markdown", ".html", ".htm", ".xhtml", ".docx", ".epub")
_NUMERALS = "零一二三四五六七八九十"


@dataclass(frozen=True)
class EditionResult:
    """The built episode and what went into it: each article's record, and any left out."""

    build: pipeline.BuildResult
    articles: tuple[dict[str, Any], ...]
    skipped: tuple[dict[str, str], ...]


def expand_sources(
    arguments: Sequence[str], list_files: Sequence[Path] = (), *, command: str = "an edition"
) -> list[str]:
    """The articles named by ``arguments`` (files, URLs, folders) and ``list_files`` (one
    article a line, ``#`` comments), in order; a folder's articles sorted by name. None at
    all is an InputError naming ``command`` (an edition, a batch)."""
    sources: list[str] = []
    for list_file in list_files:
        try:
            text = list_file.read_text("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{list_file}: cannot read the list of articles ({exc})") from exc
        base = list_file.parent
        for line in text.splitlines():
            entry = line.strip()
            if entry and not entry.startswith("#"):
                sources.append(entry if is_url(entry) or Path(entry).is_absolute()
                               else str(base / entry))  # fmt: skip
    for argument in arguments:
        path = Path(argument)
        if not is_url(argument) and path.is_dir():
            found = sorted(
                p for p in path.iterdir()
                if p.is_file() and not p.name.startswith(".")
                and p.suffix.lower() in ARTICLE_EXTENSIONS
            )  # fmt: skip
            if not found:
                raise InputError(f"{argument}: a folder with no articles in it")
            sources.extend(str(p) for p in found)
        else:
            sources.append(argument)
    if not sources:
        raise InputError(f"{command} needs at least one article")
    return sources


def prepare_edition(
    sources: Sequence[str],
    title: str,
    day: Date,
    options: pipeline.CleanOptions | None = None,
    *,
    skip_failed: bool = False,
    on_skip: Callable[[str, str], None] | None = None,
) -> pipeline.Prepared:
    """Each article prepared alone, then joined into one article: rundown, then articles."""
    title = " ".join(title.split())
    if not title:
        raise InputError("an edition needs a --title")
    done: list[tuple[str, pipeline.Prepared]] = []
    skipped: list[dict[str, str]] = []
    for n, source in enumerate(sources, 1):
        try:
            done.append((source, pipeline.prepare(source, options or pipeline.CleanOptions())))
        except AudiobookError as exc:
            if not skip_failed:
                raise type(exc)(f"article {n} of {len(sources)} failed: {exc}") from exc
            skipped.append({"source": source, "error": str(exc)})
            if on_skip is not None:
                on_skip(source, str(exc))
    if not done:
        raise InputError("every article of the edition failed; nothing to build")
    headlines = [pipeline.episode_title(prepared) for _, prepared in done]
    sections = [Section(RUNDOWN_TITLE, tuple(_rundown(title, day, headlines)))]
    for headline, (_, prepared) in zip(headlines, done, strict=True):
        sections.extend(_article_sections(headline, prepared.article))
    articles = [_record(source, headline, prepared)
                for headline, (source, prepared) in zip(headlines, done, strict=True)]  # fmt: skip
    edition = {
        "title": title,
        "date": day.isoformat(),
        "articles": articles,
        "skipped": skipped,
        "notes": [{"title": a["title"], "link": a["link"]} for a in articles],
    }
    text = "\n".join(p for s in sections for p in (s.title, *s.paragraphs))
    document = Document(text, "utf-8", title)
    article = Article(title=title, byline=None, sections=tuple(sections))
    return pipeline.Prepared(document, Cleaned(text), article, edition=edition)


def build_edition(
    sources: Sequence[str],
    title: str,
    day: Date,
    options: pipeline.BuildOptions | None = None,
    reporter: pipeline.Reporter | None = None,
    *,
    skip_failed: bool = False,
) -> EditionResult:
    """Prepare the edition, then speak and publish it as one episode."""
    report = reporter or pipeline.Reporter()
    options = options or pipeline.BuildOptions()

    def skipped(source: str, error: str) -> None:
        report.note(f"skipped: {error}")

    prepared = prepare_edition(
        sources, title, day, options.clean, skip_failed=skip_failed, on_skip=skipped
    )
    assert prepared.edition is not None
    episode_title = options.title or f"{prepared.edition['title']} {day.isoformat()}"
    build_options = pipeline.BuildOptions(**{**_fields(options), "title": episode_title})
    result = pipeline.build(prepared.document.source, build_options, report, prepared=prepared)
    return EditionResult(
        result, tuple(prepared.edition["articles"]), tuple(prepared.edition["skipped"])
    )


def _fields(options: pipeline.BuildOptions) -> dict[str, Any]:
    return {name: getattr(options, name) for name in options.__dataclass_fields__}


def _rundown(title: str, day: Date, headlines: Iterable[str]) -> list[str]:
    """The opening: the edition and its date, then the headlines in order."""
    items = list(headlines)
    lines = [
        f"{title}，{day.year}年{day.month}月{day.day}日。",
        f"本期共有{_count(len(items))}篇文章。",
    ]
    for n, headline in enumerate(items, 1):
        lines.append(f"第{_count(n)}篇，{_sentence(headline)}")
    return lines


def _article_sections(headline: str, article: Article) -> list[Section]:
    """The article as a top-level chapter (its headline, then its lead) with its other
    sections one level below."""
    parts = list(article.sections)
    # The headline is spoken as the chapter's title, as every section title is; the byline
    # is not spoken, as in a single build, so the article's sentences are the same ones.
    opening: list[str] = []
    if parts and parts[0].title in (article.title, LEAD_TITLE) and parts[0].level == 1:
        opening.extend(parts.pop(0).paragraphs)
    out = [Section(headline, tuple(opening), 1)]
    out.extend(Section(s.title, s.paragraphs, min(s.level + 1, 6)) for s in parts)
    return out


def _record(source: str, headline: str, prepared: pipeline.Prepared) -> dict[str, Any]:
    """One article's part of the build record and of ``--json``: its own cleaning record."""
    document = prepared.document
    link = document.link or (document.source if is_url(document.source) else None)
    return {
        "source": source,
        "title": headline,
        "link": link,
        "encoding": document.encoding,
        "sections": [s.title for s in prepared.article.sections],
        "removals": [asdict(r) for r in prepared.cleaned.removals],
    }


def _sentence(text: str) -> str:
    """A headline said as a sentence (a full stop unless it has its own)."""
    return text if re.search(r"[。！？!?…]$", text) else text + "。"


def _count(n: int) -> str:
    """1…99 in Chinese numerals ("第十二篇"), Arabic beyond."""
    if n < 10:
        return _NUMERALS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _NUMERALS[tens]) + "十" + (_NUMERALS[ones] if ones else "")
    return str(n)
