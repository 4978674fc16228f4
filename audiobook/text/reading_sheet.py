"""The reading sheet: every decision the text front end makes for speech, sentence by sentence.

A producer reviews an article before it is published by reading what will be *said* where it
differs from what is written: each normalised span (2024年 → 二〇二四年, by which rule), each
lexicon substitution (every engine hears it), and each polyphone word with the reading chosen
for the offline voice (pinyin; marked where espeak-ng is told it because its own reading
differs). The sheet is built from the same functions the build uses (:func:`script`'s
sentences, :func:`normalise_with_readings`, :meth:`Lexicon.substitutions`,
:func:`polyphones.choices`), never by diffing strings, so it cannot drift from the audio.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from audiobook.models import Article
from audiobook.text.lexicon import Lexicon
from audiobook.text.normalise import Reading, normalise_with_readings
from audiobook.text.polyphones import Choice, choices
from audiobook.text.script import script

#: The offline voice's request size: the sheet splits sentences as a build for it does.
_MAX_CHARS = 400


@dataclass(frozen=True)
class Substitution:
    start: int  # in the normalised text
    end: int
    word: str
    say: str
    pinyin: str | None


@dataclass(frozen=True)
class SentenceSheet:
    section: int
    text: str  # as written (display text)
    spoken: str  # what the offline voice is given (before polyphone phonemes)
    normalised: tuple[Reading, ...]
    lexicon: tuple[Substitution, ...]
    polyphones: tuple[Choice, ...]

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def reading_sheet(article: Article, lexicon: Lexicon | None = None) -> list[SentenceSheet]:
    """One :class:`SentenceSheet` per spoken segment of ``article`` (offline voice)."""
    lexicon = lexicon or Lexicon()
    out: list[SentenceSheet] = []
    for segment in script(article, normalise=False, max_chars=_MAX_CHARS):
        normalised, spans = normalise_with_readings(segment.display_text)
        subs = tuple(Substitution(*s) for s in lexicon.substitutions(normalised))
        spoken = lexicon.apply(normalised)
        out.append(
            SentenceSheet(
                segment.section,
                segment.display_text,
                spoken,
                tuple(spans),
                subs,
                tuple(choices(spoken)),
            )
        )
    return out


def format_sheet(sheets: list[SentenceSheet], titles: list[str]) -> str:
    """The sheet as text: a sentence, then one line per decision (sentences without any are
    left out, so the sheet is what needs reviewing)."""
    lines: list[str] = []
    section = -1
    for s in sheets:
        if not (s.normalised or s.lexicon or s.polyphones):
            continue
        if s.section != section:
            section = s.section
            title = titles[section] if section < len(titles) else ""
            lines.append(f"\n## {title}".rstrip())
        lines.append(f"{s.text}")
        for r in s.normalised:
            lines.append(f"  read      {r.source} → {r.spoken}  [{r.rule}]")
        for sub in s.lexicon:
            pinyin = f"  {sub.pinyin}" if sub.pinyin else ""
            lines.append(f"  lexicon   {sub.word} → {sub.say}{pinyin}")
        for c in s.polyphones:
            told = "  (espeak-ng told)" if c.espeak else ""
            lines.append(f"  polyphone {c.word} {' '.join(c.pinyin)}{told}")
    return "\n".join(lines).lstrip("\n")
