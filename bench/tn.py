"""Text normalisation (TN) measured on other projects' public test suites.

    python bench/tn.py [--corpus DIR] [--failures SUITE] [--no-peers]

Reads ``<source>__<category>.tsv`` files (``input<TAB>expected[<TAB>note]``) from
``../shared/corpus/tn/`` (see its README for provenance and the ``note`` column) and prints,
per suite and category, the lenient exact rate and the character error rate (CER) of the
project's normaliser, then the total of the three suites neither peer wrote (NeMo,
PaddleSpeech, speechio: "neutral") and of all cases. ``wetext`` / WeTextProcessing and
``cn2an`` are printed as peers when installed.

Comparison is lenient the way a listener is: NFKC, letters and digits only (punctuation and
spaces are not heard), lower case, 两 = 二 and 〇 = 零 (both readings are spoken Chinese).
The cases are measured only: they are never copied into tests or rules, so a figure here is
a figure on text the normaliser was not fitted to. Exits 0 (with a message) when the folder
is absent, so CI without the shared corpus does not fail.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cer import edit_distance

from audiobook.text.normalise import normalise

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "tn"
NEUTRAL = ("nemo", "paddlespeech", "speechio")
_LENIENT = str.maketrans({"两": "二", "〇": "零"})


def lenient(text: str) -> str:
    """What a listener hears of ``text``: letters and digits, 两 = 二, 〇 = 零."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_LENIENT)
    return "".join(c for c in text if c.isalnum())


Case = tuple[str, str, str, str, str]  # source, category, input, expected, note


def load(corpus: Path) -> list[Case]:
    cases: list[Case] = []
    for path in sorted(corpus.glob("*__*.tsv")):
        source, _, category = path.stem.partition("__")
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            cols = line.split("\t")
            if len(cols) < 2:
                continue
            cases.append((source, category, cols[0], cols[1], cols[2] if len(cols) > 2 else ""))
    return cases


class Tally:
    """Exact count, edit distance and reference length of a group of cases."""

    def __init__(self) -> None:
        self.n = self.exact = self.errors = self.chars = 0

    def add(self, hyp: str, ref: str) -> None:
        h, r = lenient(hyp), lenient(ref)
        self.n += 1
        self.exact += h == r
        self.errors += edit_distance(h, r)
        self.chars += max(len(r), 1)

    def row(self) -> str:
        if not self.n:
            return "      -        -"
        return f"{100 * self.exact / self.n:6.1f}% {100 * self.errors / self.chars:6.1f}%"


def _peers() -> dict[str, Callable[[str], str]]:
    """Normalisers of other projects, when installed (each is optional)."""
    peers: dict[str, Callable[[str], str]] = {}
    try:
        from wetext import Normalizer  # type: ignore[import-not-found]

        wt = Normalizer(lang="zh", operator="tn")
        peers["wetext"] = wt.normalize
    except Exception:
        try:
            from tn.chinese.normalizer import Normalizer as WTN  # type: ignore[import-not-found]

            peers["wetext"] = WTN().normalize
        except Exception:
            pass
    try:
        import cn2an  # type: ignore[import-untyped]

        peers["cn2an"] = lambda s: cn2an.transform(s, "an2cn")
    except ImportError:
        pass
    return peers


def _safe(fn: Callable[[str], str], text: str) -> str:
    try:
        return fn(text)
    except Exception:
        return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--failures", metavar="SUITE", help="print our misses in SUITE (or 'all')")
    parser.add_argument("--no-peers", action="store_true")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"skipped: no TN corpus at {args.corpus}")
        return 0
    cases = load(args.corpus)
    systems: dict[str, Callable[[str], str]] = {"audiobook": normalise}
    if not args.no_peers:
        systems.update(_peers())
    groups: dict[str, dict[tuple[str, str], Tally]] = {s: defaultdict(Tally) for s in systems}
    for source, category, raw, gold, note in cases:
        for name, fn in systems.items():
            hyp = _safe(fn, raw)
            g = groups[name]
            for key in ((source, category), (source, "*"), ("all", "*")):
                g[key].add(hyp, gold)
            if source in NEUTRAL:
                g[("neutral", "*")].add(hyp, gold)
            miss = lenient(hyp) != lenient(gold)
            if name == "audiobook" and args.failures in (source, "all") and miss:
                print(
                    f"MISS {source}/{category}: {raw!r}\n  got  {hyp!r}\n  want {gold!r}"
                    + (f"  [{note}]" if note else "")
                )
    names = list(systems)
    print(
        f"{'suite':14} {'category':12} {'n':>4}  "
        + "  ".join(f"{n + ' exact/CER':>16}" for n in names)
    )
    keys = sorted({k for g in groups.values() for k in g if k[0] not in ("all", "neutral")})
    keys += [("neutral", "*"), ("all", "*")]
    for key in keys:
        n = groups["audiobook"][key].n
        print(
            f"{key[0]:14} {key[1]:12} {n:4}  "
            + "  ".join(f"{groups[s][key].row():>16}" for s in names)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
