"""Measure the spliced-passage detector on synthetic splices (precision and recall).

Takes the clean news fixtures and pastes a random stretch of one of the fiction fixtures into a
random paragraph at a random position between two Han characters (mid-word, as spam sites do),
then runs :func:`audiobook.text.splice.detect`. A detection counts as a hit when it overlaps the
pasted passage; character precision/recall say how exact the boundaries are.

    python bench/splice_eval.py [--trials 200] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audiobook.text import splice  # noqa: E402
from audiobook.text.analysis import is_han  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "text"


@dataclass
class Result:
    trials: int = 0
    detected: int = 0  # trials where a detection overlapped the passage
    false_spans: int = 0  # detections that overlap no pasted passage
    spans: int = 0
    tp_chars: int = 0
    fp_chars: int = 0
    fn_chars: int = 0
    clean_false: int = 0  # detections on the unspliced texts

    def report(self) -> str:
        recall = self.detected / self.trials if self.trials else 0.0
        precision = (self.spans - self.false_spans) / self.spans if self.spans else 1.0
        cp = (
            self.tp_chars / (self.tp_chars + self.fp_chars)
            if self.tp_chars + self.fp_chars
            else 1.0
        )
        cr = (
            self.tp_chars / (self.tp_chars + self.fn_chars)
            if self.tp_chars + self.fn_chars
            else 0.0
        )
        return (
            f"trials={self.trials} passage recall={recall:.3f} span precision={precision:.3f} "
            f"char precision={cp:.3f} char recall={cr:.3f} "
            f"detections on clean fixtures={self.clean_false}"
        )


def texts(kind: str) -> list[str]:
    return [p.read_text("utf-8") for p in sorted((FIXTURES / kind).glob("*.txt"))]


def splice_one(news: str, fiction: list[str], rng: random.Random) -> tuple[str, int, int]:
    """Paste a 25-90 character stretch of fiction between two Han characters of ``news``."""
    paragraphs = [p for f in fiction for p in f.splitlines() if len(p) >= 30]
    source = rng.choice(paragraphs)
    length = rng.randint(25, min(90, len(source)))
    start = rng.randint(0, len(source) - length)
    passage = source[start : start + length]
    slots = [
        i
        for i in range(1, len(news))
        if is_han(news[i - 1]) and is_han(news[i]) and news.rfind("\n", 0, i) > 0
    ]
    at = rng.choice(slots)
    return news[:at] + passage + news[at:], at, at + len(passage)


def evaluate(trials: int = 200, seed: int = 1) -> Result:
    rng = random.Random(seed)
    news, fiction = texts("news"), texts("fiction")
    res = Result()
    for text in news:
        res.clean_false += len(splice.detect(text))
    for _ in range(trials):
        text, s, e = splice_one(rng.choice(news), fiction, rng)
        found = splice.detect(text)
        res.trials += 1
        res.spans += len(found)
        hit = False
        for fs, fe in found:
            overlap = max(0, min(fe, e) - max(fs, s))
            if overlap:
                hit = True
            else:
                res.false_spans += 1
            res.tp_chars += overlap
            res.fp_chars += (fe - fs) - overlap
        res.fn_chars += (e - s) - sum(max(0, min(fe, e) - max(fs, s)) for fs, fe in found)
        res.detected += hit
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(evaluate(args.trials, args.seed).report())


if __name__ == "__main__":
    main()
