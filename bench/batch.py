"""Batch throughput: 20 small articles on this machine, on one Dask worker and on two (issue 20).

    python bench/batch.py [--articles 20] [--pace 1.0] [--concurrency 4]

Starts the fake edge service (tests/fakes/edge_service.py) with a service time proportional
to the audio it answers (``--pace`` seconds per second of speech: a network-bound voice),
writes ``--articles`` small generated articles (a few sentences each, every one different),
and builds them with ``audiobook batch``'s library call three ways, each into a fresh output
folder and a fresh sentence cache: locally, on a LocalCluster of one worker process and on
one of two (one thread each: a task speaks one chunk, ``--concurrency`` requests at once).
A warm-up batch first lets the fake render every sentence once (its espeak-ng CPU time is not
the voice's service time). Prints each run's wall time, throughput (articles and minutes of
audio per minute) and the ratio of two workers to one; the target is ≥ 1.8.

Cluster start-up (scheduler and worker processes) is printed apart: a cluster outlives its
batches.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audiobook import batch, pipeline, profiles  # noqa: E402
from audiobook.cluster import DaskSpeaker  # noqa: E402
from audiobook.engines.edge import ENDPOINT_ENV, VOICES_URL_ENV  # noqa: E402
from tests.fakes.edge_service import FakeEdgeService  # noqa: E402

PLACES = ["东城", "西城", "南港", "北湖", "新区", "老街", "河口", "山前", "桥头", "湾里"]
THINGS = ["图书馆", "菜市场", "公交站", "体育馆", "医院", "学校", "公园", "码头", "剧院", "车站"]
NUMBERS = "一二三四五六七八九十"


def article(n: int) -> str:
    """A small news item, different for each ``n`` (every sentence its own)."""
    place, thing = PLACES[n % 10], THINGS[(n // 10 + n) % 10]
    k = NUMBERS[n % 10]
    return (
        f"# {place}{thing}消息第{k}号\n\n"
        f"{place}的{thing}今天正式开放，第{n + 1}批市民前来参观。\n\n"
        f"工作人员介绍，{thing}每天早上八点开门，晚上{k}点关门。\n\n"
        f"## 周边交通\n\n附近有{k}条公交线路经过，市民可以乘坐公交前往{place}。\n\n"
        f"负责人表示，{place}还将在明年新建{k}座{thing}。\n"
    )


def run(label: str, sources: list[str], work: Path, speaker: object | None, conc: int) -> float:
    out, cache = work / f"out-{label}", work / f"cache-{label}"
    opts = pipeline.BuildOptions(
        output=out, profile=profiles.resolve(engine="edge"), cache_dir=cache, concurrency=conc
    )
    started = time.monotonic()
    summary = batch.run(sources, opts, speaker=speaker)  # type: ignore[arg-type]
    wall = time.monotonic() - started
    built = summary.count("built")
    audio_min = sum(i.episode["duration_s"] for i in summary.items if i.episode) / 60
    print(
        f"{label:<10} {built}/{len(sources)} built in {wall:6.1f} s: "
        f"{built / wall * 60:5.1f} articles/min, {audio_min / wall * 60:5.2f} audio min/min",
        flush=True,
    )
    if summary.exit_code:
        failed = [i for i in summary.items if i.status == "failed"]
        print(f"  failed: {failed[0].error}", flush=True)
    return built / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--pace", type=float, default=1.0, help="service s per s of audio")
    parser.add_argument("--concurrency", type=int, default=4, help="requests per task at once")
    args = parser.parse_args()
    from distributed import LocalCluster

    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    service = FakeEdgeService(pace=args.pace).start()
    os.environ[ENDPOINT_ENV] = service.endpoint
    os.environ[VOICES_URL_ENV] = service.voices_url
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    os.environ["XDG_CACHE_HOME"] = str(work / "xdg")
    folder = work / "articles"
    folder.mkdir()
    for n in range(args.articles):
        (folder / f"{n:03d}.txt").write_text(article(n), "utf-8")
    sources = sorted(str(p) for p in folder.glob("*.txt"))
    print(f"{args.articles} articles, fake edge service at pace {args.pace} s/s, "
          f"concurrency {args.concurrency}; in {work}", flush=True)  # fmt: skip

    service.pace = 0.0
    run("warm-up", sources, work, None, 8)  # the fake renders each sentence once
    service.pace = args.pace
    rates = {"local": run("local", sources, work, None, args.concurrency)}
    for workers in (1, 2):
        started = time.monotonic()
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=":0", silence_logs=logging.ERROR,
        )  # fmt: skip
        speaker = DaskSpeaker(cluster.scheduler_address)
        print(f"cluster of {workers} worker(s) up in {time.monotonic() - started:.1f} s")
        try:
            rates[f"{workers} worker"] = run(
                f"{workers}-worker", sources, work, speaker, args.concurrency
            )
        finally:
            speaker.close()
            cluster.close()
    service.stop()
    ratio = rates["2 worker"] / rates["1 worker"]
    print(f"2 workers / 1 worker: {ratio:.2f}x (target >= 1.8); "
          f"1 worker / local: {rates['1 worker'] / rates['local']:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
