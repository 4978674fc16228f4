"""Benchmark: the text front end on long and hostile inputs (issue 14, item 8).

    python bench/longtext.py                      # 10k / 100k / 1M-character lines, 5 MB article
    python bench/longtext.py --sizes 10000 100000 --no-article
    python bench/longtext.py --rules all          # with every cleaning rule (splice included)

Each input runs in a fresh interpreter (no model warm from the one before), stage by stage:
decode, clean, convert (Traditional → Simplified), structure (sections) and script
(normalise and split into segments, as the offline voice needs them). Printed: seconds per
stage, the segments made and the child's peak RSS. Near-linear means 10x the text costs about
10x the time, never 100x.

Inputs: one line without punctuation of common characters (the shape that made ``sections``
take 39 s at 10k characters), one line of digits (the normaliser's number patterns), and a
5 MB article: the seed's paragraphs, repeated with headings and numbers varied.

By default the ``splice`` cleaning rule is off (``--rules all`` turns it on): its novelty scan
is being made linear elsewhere, and timing it here would hide the stages this measures.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "jianfu.txt"
COMMON = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你说年"

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from audiobook.text.clean import clean
from audiobook.text.convert import convert
from audiobook.text.lexicon import load_lexicon
from audiobook.text.read import read_source
from audiobook.text.script import script
from audiobook.text.structure import structure

path, keep = sys.argv[1], tuple(json.loads(sys.argv[2]))
times = {}
t = time.perf_counter()
doc = read_source(path); times["decode"] = time.perf_counter() - t; t = time.perf_counter()
cleaned = clean(doc.text, keep=keep); times["clean"] = time.perf_counter() - t
t = time.perf_counter()
text = convert(cleaned.text); times["convert"] = time.perf_counter() - t; t = time.perf_counter()
article = structure(text); times["structure"] = time.perf_counter() - t; t = time.perf_counter()
segments = script(article, normalise=True, max_chars=300, lexicon=load_lexicon(None))
times["script"] = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"times": times, "segments": len(segments), "rss_mb": rss,
                  "chars": len(doc.text)}))
"""


def line(n: int, alphabet: str, seed: int = 1) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(n)) + "\n"


def article(size_bytes: int) -> str:
    """The seed's paragraphs, again and again, under numbered headings, to ``size_bytes``."""
    paragraphs = [p.strip() for p in SEED.read_text("utf-8").split("\n") if p.strip()][1:]
    out, n, total = ["长篇测试文章\n"], 0, 0
    while total < size_bytes:
        n += 1
        block = f"\n第{n}章　第{n}部分\n\n" + "\n\n".join(
            p.replace("。", f"，共{n * 37 % 1000}人。", 1) for p in paragraphs
        ) + "\n"
        out.append(block)
        total += len(block.encode("utf-8"))
    return "".join(out)


def run(name: str, text: str, keep: list[str], timeout: float) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as f:
        f.write(text)
    try:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, f.name, json.dumps(keep)],
            capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        print(f"{name:<24} did not finish in {timeout:.0f} s")
        return
    finally:
        Path(f.name).unlink()
    if proc.returncode != 0:
        print(f"{name:<24} failed: {proc.stderr.strip().splitlines()[-1:]}")
        return
    r = json.loads(proc.stdout)
    t = r["times"]
    stages = " ".join(f"{k} {v:6.2f}" for k, v in t.items())
    print(
        f"{name:<24} {r['chars']:>9,} chars  {stages}  total {sum(t.values()):6.2f} s  "
        f"{r['segments']:>6} segments  peak {r['rss_mb']:.0f} MB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--article-mb", type=float, default=5.0)
    parser.add_argument("--no-article", action="store_true")
    parser.add_argument("--rules", choices=("no-splice", "all"), default="no-splice")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    keep = ["splice"] if args.rules == "no-splice" else []
    print(f"cleaning rules: {'all but splice' if keep else 'all'}")
    for n in args.sizes:
        run(f"unpunctuated line {n:,}", line(n, COMMON), keep, args.timeout)
        run(f"digits line {n:,}", line(n, "0123456789"), keep, args.timeout)
    if not args.no_article:
        text = article(int(args.article_mb * 1024 * 1024))
        run(f"article {args.article_mb:g} MB", text, keep, args.timeout)


if __name__ == "__main__":
    main()
