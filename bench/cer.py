"""Character error rate of the ``sections`` output against a hand-cleaned gold file.

    python bench/cer.py ARTICLE GOLD [--profile tw2s] [--profiles]

Runs the library chain read -> clean -> convert -> structure (what ``audiobook sections --json``
prints), concatenates byline + title + each section title + text, and compares it with GOLD
counting letters and digits only (NFKC; punctuation and whitespace ignored). Also prints the
baseline: plain OpenCC on the raw file, no cleaning. ``--profiles`` compares OpenCC profiles.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audiobook.models import Article
from audiobook.text.clean import clean
from audiobook.text.convert import DEFAULT_PROFILE, PROFILES, convert
from audiobook.text.read import read_source
from audiobook.text.structure import structure


def letters(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum())


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    return prev[-1]


def cer(hypothesis: str, gold: str) -> float:
    ref = letters(gold)
    return edit_distance(letters(hypothesis), ref) / max(1, len(ref))


def sections(raw: str, profile: str = DEFAULT_PROFILE) -> Article:
    return structure(convert(clean(raw).text, profile))


def article_text(article: Article) -> str:
    parts = [article.byline or "", article.title or ""]
    for section in article.sections:
        parts += [section.title, section.text]
    return "\n".join(parts)


def sections_text(raw: str, profile: str = DEFAULT_PROFILE) -> str:
    return article_text(sections(raw, profile))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("article", type=Path)
    parser.add_argument("gold", type=Path)
    parser.add_argument("--profile", default=DEFAULT_PROFILE, choices=PROFILES)
    parser.add_argument("--profiles", action="store_true", help="compare every OpenCC profile")
    args = parser.parse_args()
    raw, gold = read_source(args.article).text, args.gold.read_text("utf-8")
    article = sections(raw, args.profile)
    baseline = cer(convert(raw, args.profile), gold)
    ours = cer(article_text(article), gold)
    print(f"baseline (OpenCC {args.profile}, no cleaning): {baseline:.2%}")
    print(f"audiobook sections ({args.profile}):          {ours:.2%}")
    if args.profiles:
        for profile in PROFILES:
            print(f"  profile {profile:6s}: {cer(sections_text(raw, profile), gold):.2%}")
    print(f"sections: {len(article.sections)}")
    for section in article.sections:
        print(f"  - {section.title}")


if __name__ == "__main__":
    main()
