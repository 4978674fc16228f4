"""The text front end measured on data the project did not shape: one table.

    python bench/front_end.py [--trials 300] [--seed 1] [--corpus ../shared/corpus]

Reads ``../shared/corpus`` (skips, exit 0, when it is absent). Nothing it reads is copied into
the project; the figures are the point.

1. **False positives.** ``clean`` (default rules) over every clean article of ``news/``, and over
   each converted to the other script with OpenCC (scraped input comes in either): letters and
   digits removed, per rule. The bar is 0.
2. **Recall on synthetic splices.** A passage of ``fiction/`` (10–300 characters, the fiction in
   the article's own script) pasted at a random position of a random article — inside a word
   or between two — and, separately, spam keywords from the shipped list salted into an
   article. A passage counts as found when a removal covers at least half of it; character
   precision is the share of all removed characters that were pasted in.
3. **The seed.** CER of ``sections`` against the hand-cleaned gold and its chapter count.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audiobook.text.clean import clean, shipped_keywords  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"

Cleaner = Callable[[str], list[tuple[int, int, str]]]


def letters(text: str) -> int:
    return sum(1 for c in unicodedata.normalize("NFKC", text) if c.isalnum())


def default_cleaner(text: str) -> list[tuple[int, int, str]]:
    return [(r.start, r.end, r.rule) for r in clean(text).removals]


def _is_hant(text: str) -> bool:
    from audiobook.text.convert import convert

    return convert(text, "t2s") != text and sum(
        a != b for a, b in zip(text, convert(text, "t2s"), strict=False)
    ) > sum(a != b for a, b in zip(text, _s2t(text), strict=False))


def _s2t(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


def _t2s(text: str) -> str:
    import opencc

    return opencc.OpenCC("t2s").convert(text)


@dataclass
class FalsePositives:
    texts: int = 0
    letters: int = 0
    removed: Counter[str] = field(default_factory=Counter)
    articles: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)


def false_positives(news: list[tuple[str, str]], cleaner: Cleaner) -> dict[str, FalsePositives]:
    """Per variant ('as is', 'other script'): what cleaning removed from clean news."""
    out = {"as is": FalsePositives(), "other script": FalsePositives()}
    for name, text in news:
        other = _t2s(text) if name.startswith(("hkcnews", "appledailytw")) else _s2t(text)
        for variant, body in (("as is", text), ("other script", other)):
            fp = out[variant]
            fp.texts += 1
            fp.letters += letters(body)
            hit = False
            for s, e, rule in cleaner(body):
                n = letters(body[s:e])
                if n:
                    hit = True
                    fp.removed[rule] += n
                    if len(fp.examples) < 12:
                        fp.examples.append(f"{variant} {name} [{rule}] {body[s:e][:60]!r}")
            fp.articles["any"] += hit
    return out


@dataclass
class Recall:
    trials: int = 0
    found: int = 0
    pasted: int = 0  # letters and digits pasted in
    hit_chars: int = 0  # of them removed
    removed_chars: int = 0  # all letters and digits removed (pasted or not)
    lost_letters: int = 0  # article letters removed (damage)

    def add(self, pasted: tuple[int, int], removals: list[tuple[int, int, str]], text: str) -> None:
        """Letters and digits only, as for false positives: a removal that takes a keyword
        with the space or line break around it is exact."""
        s, e = pasted
        self.trials += 1
        self.pasted += letters(text[s:e])
        covered = sum(letters(text[max(rs, s) : min(re_, e)]) for rs, re_, _ in removals)
        self.hit_chars += covered
        self.removed_chars += sum(letters(text[rs:re_]) for rs, re_, _ in removals)
        self.found += covered * 2 >= letters(text[s:e])
        for rs, re_, _ in removals:
            for a, b in ((rs, min(re_, s)), (max(rs, e), re_)):
                if b > a:
                    self.lost_letters += letters(text[a:b])

    def row(self) -> tuple[str, str, str, str]:
        recall = self.found / self.trials if self.trials else 0.0
        precision = self.hit_chars / self.removed_chars if self.removed_chars else 1.0
        char_recall = self.hit_chars / self.pasted if self.pasted else 0.0
        return (f"{self.trials}", f"{recall:.3f}", f"{precision:.3f}", f"{char_recall:.3f}")


def _body_slots(text: str) -> list[int]:
    """Positions after the first line (the headline) between two characters of a line."""
    first = text.find("\n")
    start = first + 1 if 0 < first < len(text) - 1 else 1
    return [i for i in range(max(1, start), len(text)) if text[i - 1] != "\n" and text[i] != "\n"]


def _mid_word(text: str, at: int) -> bool:
    from audiobook.text.analysis import cut
    from audiobook.text.chars import is_han

    if not (is_han(text[at - 1]) and is_han(text[at])):
        return False
    lo = text.rfind("\n", 0, at) + 1
    hi = text.find("\n", at)
    line = text[lo : hi if hi >= 0 else len(text)]
    pos = lo
    for tok in cut(line):
        if pos < at < pos + len(tok):
            return True
        pos += len(tok)
    return False


def _salt(text: str, rng: random.Random, count: int = 3) -> str:
    """``count`` shipped spam keywords pasted at random places of the body."""
    words = shipped_keywords()
    for _ in range(count):
        word = rng.choice(words)
        at = rng.choice(_body_slots(text))
        text = text[:at] + word + text[at:]
    return text


def splices(
    news: list[tuple[str, str]],
    fiction: dict[str, list[str]],
    cleaner: Cleaner,
    trials: int,
    seed: int,
    salted: bool = False,
) -> dict[str, Recall]:
    """Fiction pasted into articles; ``salted``: into articles first salted with three spam
    keywords (a spam site's page, as the seed is), where cleaning may take a cut word as
    stronger evidence. Keyword removals are not counted as damage there."""
    rng = random.Random(seed)
    out: dict[str, Recall] = {}
    for _ in range(trials):
        name, text = rng.choice(news)
        if salted:
            text = _salt(text, rng)
        script = "hant" if name.startswith(("hkcnews", "appledailytw")) else "hans"
        paragraph = rng.choice(fiction[script])
        length = min(len(paragraph), round(10 * 30 ** rng.random()))  # 10..300, log-uniform
        start = rng.randint(0, len(paragraph) - length)
        passage = paragraph[start : start + length]
        at = rng.choice(_body_slots(text))
        spliced = text[:at] + passage + text[at:]
        where = "mid-word" if _mid_word(text, at) else "boundary"
        size = "10-19" if length < 20 else "20-299" if length < 300 else "300"
        key = f"{where} {size}"
        removals = cleaner(spliced)
        if salted:
            removals = [r for r in removals if r[2] != "keyword"]
        out.setdefault(key, Recall()).add((at, at + length), removals, spliced)
    return out


def keyword_salting(
    news: list[tuple[str, str]], cleaner: Cleaner, trials: int, seed: int
) -> Recall:
    """Three shipped spam keywords pasted at random positions (inside words or not)."""
    rng = random.Random(seed + 1)
    words = shipped_keywords()
    total = Recall()
    for _ in range(trials):
        _name, text = rng.choice(news)
        spliced = text
        spans: list[tuple[int, int]] = []
        for _ in range(3):
            word = rng.choice(words)
            at = rng.choice(_body_slots(spliced))
            spliced = spliced[:at] + word + spliced[at:]
            spans = [(s + len(word), e + len(word)) if s >= at else (s, e) for s, e in spans]
            spans.append((at, at + len(word)))
        removals = cleaner(spliced)
        for span in spans:
            total.add(span, [r for r in removals if r[0] < span[1] and r[1] > span[0]], spliced)
        # Damage outside every keyword (letters and digits), counted once per article.
        inside = set()
        for s, e in spans:
            inside.update(range(s, e))
        outside = "".join(
            spliced[k] for rs, re_, _ in removals for k in range(rs, re_) if k not in inside
        )
        total.removed_chars += letters(outside)
    return total


def seed_cer(corpus: Path) -> tuple[float, float, int]:
    import cer

    from audiobook.text.convert import DEFAULT_PROFILE, convert
    from audiobook.text.read import read_source

    raw = read_source(corpus / "seed-article.txt").text
    gold = (corpus / "seed-article.clean.zh-Hans.txt").read_text("utf-8")
    article = cer.sections(raw)
    return (
        cer.cer(cer.article_text(article), gold),
        cer.cer(convert(raw, DEFAULT_PROFILE), gold),
        len(article.sections),
    )


def load(corpus: Path) -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    news = [(p.name, p.read_text("utf-8")) for p in sorted((corpus / "news").glob("*.txt"))]
    fiction: dict[str, list[str]] = {"hans": [], "hant": []}
    for p in sorted((corpus / "fiction").glob("*.txt")):
        script = "hant" if "zh-Hant" in p.name else "hans"
        fiction[script] += [ln for ln in p.read_text("utf-8").splitlines() if len(ln) >= 10]
    return news, fiction


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument(
        "--skip", nargs="*", default=(), choices=("fp", "splice", "keyword", "seed")
    )
    args = parser.parse_args(argv)
    if not (args.corpus / "news").is_dir():
        print(f"skipped: {args.corpus}/news not found (the shared corpus is not here)")
        return 0
    news, fiction = load(args.corpus)
    rows: list[tuple[str, ...]] = []
    t0 = time.perf_counter()
    if "fp" not in args.skip:
        for variant, fp in false_positives(news, default_cleaner).items():
            rules = ", ".join(f"{r} {n}" for r, n in fp.removed.most_common()) or "-"
            total = sum(fp.removed.values())
            rows.append(
                (
                    f"clean news, {variant}",
                    f"{fp.texts} articles",
                    f"{total} of {fp.letters} letters removed ({total / fp.letters:.3%})",
                    f"in {fp.articles['any']} articles; by rule: {rules}",
                )
            )
            for example in fp.examples:
                print("  fp:", example)
    if "splice" not in args.skip:
        for salted in (False, True):
            measured = splices(news, fiction, default_cleaner, args.trials, args.seed, salted)
            for key, rec in sorted(measured.items()):
                n, recall, precision, char_recall = rec.row()
                page = "salted page" if salted else "article"
                rows.append(
                    (
                        f"fiction into {page}, {key} chars",
                        f"{n} trials",
                        f"recall {recall}, char precision {precision}",
                        f"char recall {char_recall}, article letters lost {rec.lost_letters}",
                    )
                )
    if "keyword" not in args.skip:
        rec = keyword_salting(news, default_cleaner, max(1, args.trials // 3), args.seed)
        n, recall, precision, char_recall = rec.row()
        rows.append(
            (
                "spam keywords, 3 per article",
                f"{n} keywords",
                f"recall {recall}, char precision {precision}",
                f"char recall {char_recall}",
            )
        )
    if "seed" not in args.skip:
        ours, baseline, chapters = seed_cer(args.corpus)
        rows.append(
            ("seed article", "1 article", f"CER {ours:.2%} (OpenCC alone {baseline:.2%})",
             f"{chapters} chapters")
        )  # fmt: skip
    widths = [max(len(r[k]) for r in rows) for k in range(4)]
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    print(f"({time.perf_counter() - t0:.0f} s; seed {args.seed})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
