"""Benchmark: build the seed article and a generated long book with the offline voice.

    python bench/build.py                    # the seed 5 times + a 10-hour book
    python bench/build.py --skip-book        # the seed only
    python bench/build.py --repeat 9         # more seed runs (a steadier median)
    python bench/build.py --skip-seed --hours 10 --no-floor   # the book's memory only

Each build runs in a fresh interpreter, as the CLI would (no module or model warm from an
earlier build), and is watched from this process: wall and CPU time of ``pipeline.build``
(the child and its children: workers and ffmpeg), peak RSS of the whole process tree
(sampled every 50 ms with psutil from outside, so sampling costs the build nothing; without
psutil, ``getrusage`` maxima, which understate a tree), audio duration, real-time factor,
and the ratio of the build's wall time to its *floor*, measured right after it.

The floor is the same engine's raw synthesis of the same segments (serially, in this
process) plus one plain ffmpeg libmp3lame encode, at the episode's bitrate, of the episode's
own audio (its MP3 decoded to PCM first, untimed: the same length the build encoded, pauses
included). The build must do all of that plus the text front end (reading, cleaning,
structure, script), trimming, pauses, the loudness trial and limiter, a verifying decode of
the MP3 and publishing; on two cores it overlaps speaking, encoding and verifying, which the
serial floor does not. Targets (issue 6): ≤ 1.2x the floor on the seed; a 10-hour book
< 300 MB.

A shared two-core virtual machine wanders: the same build varies by a few tenths of a second
from run to run, so the seed is built ``--repeat`` times and the figure to read is the
median of the per-run ratios (each against the floor measured beside it).

Two ways to build (``--via``):
  pipeline  ``audiobook.pipeline.build``, the real thing (no segment cache): front end and
            script (in a child process for book-sized input), synthesis streamed through
            ``synth.synthesize_iter`` (a process pool for long texts) into ``assemble``, which
            encodes as the speech arrives, then ID3 tags, feed and site.
  stream    the same stages wired by hand without publishing (for comparison).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audiobook import engines, parallel, pipeline, profiles  # noqa: E402
from audiobook.audio import BITRATE, assemble, ffmpeg_exe  # noqa: E402
from audiobook.models import Segment  # noqa: E402
from audiobook.publish import id3  # noqa: E402
from audiobook.text.lexicon import load_lexicon  # noqa: E402
from audiobook.text.script import script  # noqa: E402

SEED = ROOT.parent / "shared" / "corpus" / "seed-article.txt"
#: espeak-ng reads Mandarin at about 3.9 characters a second (seed: 2,237 chars, 568 s).
CHARS_PER_HOUR = 14_000
#: Wall time of the stages after the text front end, for the last streamed build.
STAGES: dict[str, float] = {}


class TreeRss:
    """Peak resident memory of a process plus all its descendants, sampled from outside it
    (so the sampling costs the measured build nothing)."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        try:
            import psutil

            self._me = psutil.Process(pid)
        except (ImportError, OSError):
            self._me = None

    def __enter__(self) -> TreeRss:
        if self._me is not None:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0
            try:
                tree = [self._me, *self._me.children(recursive=True)]
            except psutil.Error:  # a child vanished mid-walk: sample again
                continue
            for proc in tree:
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_info().rss
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()


@dataclass
class Figures:
    name: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    audio_s: float
    floor_s: float | None = None
    floor_parts: str = ""

    def show(self) -> str:
        lines = [
            f"== {self.name}",
            f"  wall time        {self.wall_s:9.2f} s",
            f"  CPU time         {self.cpu_s:9.2f} s  (self + children)",
            f"  peak RSS (tree)  {self.peak_rss_mb:9.1f} MB",
            f"  audio duration   {self.audio_s:9.1f} s  ({self.audio_s / 3600:.2f} h)",
            f"  real-time factor {self.wall_s / self.audio_s:9.4f}  (wall / audio)",
        ]
        if self.floor_s:
            lines.append(f"  floor            {self.floor_s:9.2f} s  ({self.floor_parts})")
            lines.append(f"  wall / floor     {self.wall_s / self.floor_s:9.2f} x  (whole build)")
            for stage, seconds in STAGES.items():
                lines.append(
                    f"  {stage}: {seconds:.2f} s = {seconds / self.floor_s:.2f} x floor"
                    " (the build without the text front end)"
                )
        return "\n".join(lines)


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measured(name: str, source: Path, out: Path, via: str) -> tuple[Figures, Path]:
    """One build in a fresh interpreter, as the CLI would run it (no module or model warm
    from an earlier build), its memory sampled from here."""
    cmd = [sys.executable, __file__, "--child", str(source), str(out), "--via", via]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    with TreeRss(proc.pid) as rss:
        report, _ = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"the build failed (exit {proc.returncode})")
    data = json.loads(report.strip().splitlines()[-1])
    STAGES.update(data["stages"])
    peak = rss.peak
    if not peak:  # no psutil: the largest single process the child knew of (understates a tree)
        print("  (psutil missing: peak RSS is the largest single process, not the tree)")
        peak = data["maxrss"]
    return Figures(name, data["wall_s"], data["cpu_s"], peak / 2**20, data["audio_s"]), Path(
        data["mp3"]
    )


def child(source: Path, out: Path, via: str) -> None:
    """The measured side of :func:`measured`: build, then report as one JSON line."""
    build = build_streamed if via == "stream" else build_pipeline
    cpu0, t0 = _cpu(), time.perf_counter()
    audio_s, mp3 = build(source, out)
    wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
    maxrss = 1024 * max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    report = {"wall_s": wall, "cpu_s": cpu, "audio_s": audio_s, "mp3": str(mp3),
              "maxrss": maxrss, "stages": STAGES}  # fmt: skip
    print(json.dumps(report), flush=True)


def _choice() -> engines.Choice:
    profile = profiles.with_overrides(profiles.load(profiles.DEFAULT_PROFILE), engine="espeak")
    return engines.choose(profile)


def _segments(source: Path, choice: engines.Choice) -> tuple[pipeline.Prepared, Sequence[Segment]]:
    prepared = pipeline.prepare(source)
    engine = choice.engine
    segments = script(
        prepared.article,
        normalise=engine.needs_normalised_text,
        max_chars=engine.max_chars,
        lexicon=load_lexicon(None),
    )
    return prepared, segments


def build_streamed(source: Path, out_dir: Path) -> tuple[float, Path]:
    """The stages streamed end to end (see the module notes); returns audio seconds and the
    MP3."""
    choice = _choice()
    prepared, segments = _segments(source, choice)
    texts = [s.spoken_text for s in segments]
    t0 = time.perf_counter()
    if parallel.worth_a_pool(choice.engine, len(segments)):
        speeches = (d.speech for d in parallel.synthesize_ordered(choice.settings, texts))
    else:
        speeches = (choice.engine.synthesize(t) for t in texts)
    out = out_dir / "episode.mp3"
    titles = [s.title for s in prepared.article.sections]
    assembled = assemble(speeches, segments, titles, out)
    id3.write_tags(
        out, title="bench", artist="bench", album="bench", date="2026-01-01",
        language="zh-CN", chapters=assembled.chapters,
    )  # fmt: skip
    STAGES["speak + assemble + tag"] = time.perf_counter() - t0
    return assembled.duration_s, out


def build_pipeline(source: Path, out_dir: Path) -> tuple[float, Path]:
    options = pipeline.BuildOptions(output=out_dir, engine="espeak", cache=False)
    episode = pipeline.build(source, options).episode
    return episode.duration_s, Path(episode.mp3)


def floor(source: Path, episode: Path, work: Path) -> tuple[float, str]:
    """Raw synthesis of the same segments, serially, + one plain encode of the episode's audio.

    The encode is of the episode's own audio (its MP3 decoded to PCM first, untimed): the
    same length and content the build encoded, pauses included, rather than the raw speech,
    which is shorter by the pauses the build adds.
    """
    choice = _choice()
    _, segments = _segments(source, choice)
    t0 = time.perf_counter()
    for seg in segments:
        choice.engine.synthesize(seg.spoken_text)
    synth_s = time.perf_counter() - t0
    # Decoded by ffmpeg straight to a file: a ten-hour book is 1.5 GB of PCM, which need
    # not pass through this process.
    from mutagen.mp3 import MP3

    rate = MP3(episode).info.sample_rate
    raw = work / "floor.pcm"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-i", str(episode), "-f", "s16le", "-ac", "1",
         str(raw)],
        check=True,
    )  # fmt: skip
    t0 = time.perf_counter()
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-f", "s16le", "-ar", str(rate), "-ac", "1",
         "-i", str(raw), "-c:a", "libmp3lame", "-b:a", BITRATE, str(work / "floor.mp3")],
        check=True,
    )  # fmt: skip
    encode_s = time.perf_counter() - t0
    raw.unlink()
    return synth_s + encode_s, f"synthesis {synth_s:.2f} s + encode {encode_s:.2f} s"


def book_text(hours: float, seed: int = 6) -> str:
    """A Markdown book of about ``hours`` of speech: `#` chapters of real sentences."""
    base = Path(ROOT / "examples").glob("*.txt")
    source = SEED if SEED.exists() else next(base)
    sentences = [
        s.strip() + "。"
        for s in source.read_text("utf-8").replace("\n", "。").split("。")
        if len(s.strip()) > 8
    ]
    rng = random.Random(seed)
    target = int(hours * CHARS_PER_HOUR)
    parts, size, chapter = ["# 长篇测试书\n"], 0, 0
    while size < target:
        chapter += 1
        parts.append(f"\n## 第{chapter}章\n")
        for _ in range(6):
            paragraph = "".join(rng.choice(sentences) for _ in range(4))
            parts.append(paragraph + "\n")
            size += len(paragraph)
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=10.0, help="length of the book")
    parser.add_argument("--skip-book", action="store_true")
    parser.add_argument("--skip-seed", action="store_true")
    parser.add_argument("--via", choices=("stream", "pipeline"), default="pipeline")
    parser.add_argument("--no-floor", action="store_true", help="skip the floor (long books)")
    parser.add_argument(
        "--repeat", type=int, default=5, metavar="N",
        help="seed builds (each with its floor); prints each and the medians (default 5)",
    )  # fmt: skip
    # One measured build, in the child process :func:`measured` starts.
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.via)
        return

    with tempfile.TemporaryDirectory(prefix="audiobook-bench-") as tmp:
        work = Path(tmp)
        if not args.skip_seed:
            if SEED.exists():
                runs = [
                    run(f"seed article (via {args.via})", SEED, work / f"seed-{i}", args.via, work)
                    for i in range(max(1, args.repeat))
                ]
                report(runs)
            else:
                print(f"(seed article skipped: {SEED} is not here)")
        if not args.skip_book:
            book = work / "book.md"
            book.write_text(book_text(args.hours), "utf-8")
            name = f"generated book, {args.hours:g} h target (via {args.via})"
            figures = run(name, book, work / "book", args.via, work, with_floor=not args.no_floor)
            print(figures.show(), flush=True)


def run(
    name: str, source: Path, out: Path, via: str, work: Path, *, with_floor: bool = True
) -> Figures:
    STAGES.clear()
    out.mkdir()
    figures, mp3 = measured(name, source, out, via)
    if with_floor:
        figures.floor_s, figures.floor_parts = floor(source, mp3, work)
    return figures


def report(runs: list[Figures]) -> None:
    """Each run, then (for several) the medians: one run on a shared two-core machine wanders
    by a tenth of a second either way."""
    if len(runs) == 1:
        print(runs[0].show())
        return
    for i, f in enumerate(runs, 1):
        assert f.floor_s
        print(
            f"  run {i}: wall {f.wall_s:.2f} s, floor {f.floor_s:.2f} s ({f.floor_parts}), "
            f"ratio {f.wall_s / f.floor_s:.2f} x",
            flush=True,
        )
    mid = Figures(
        f"{runs[0].name}, median of {len(runs)} runs",
        wall_s=statistics.median(f.wall_s for f in runs),
        cpu_s=statistics.median(f.cpu_s for f in runs),
        peak_rss_mb=max(f.peak_rss_mb for f in runs),
        audio_s=runs[0].audio_s,
        floor_s=statistics.median(f.floor_s or 0.0 for f in runs),
        floor_parts="median",
    )
    print(mid.show().replace("wall / floor", "median / median"))
    ratios = sorted(f.wall_s / (f.floor_s or 1.0) for f in runs)
    print(f"  ratio per run    {', '.join(f'{r:.2f}' for r in ratios)}")
    print(
        f"  => wall / floor  {statistics.median(ratios):9.2f} x  (median of the runs' ratios; "
        "peak RSS is the largest run's)"
    )


if __name__ == "__main__":
    main()
