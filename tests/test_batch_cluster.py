"""``audiobook batch --cluster`` on a real Dask cluster: a scheduler and two worker processes
on 127.0.0.1 (LocalCluster with processes), speaking with espeak-ng and with the fake edge
service, compared with the same batch built on this machine: the same chapters and
durations (within an MP3 frame) and the same sentence cache keys. One test kills a worker
mid-batch; another gives the workers a voice service they cannot reach."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from audiobook import batch, pipeline, profiles  # noqa: E402
from audiobook.cluster import DaskSpeaker  # noqa: E402
from audiobook.engines.edge import ENDPOINT_ENV, VOICES_URL_ENV  # noqa: E402
from audiobook.publish.store import EpisodeRecord, Store  # noqa: E402
from audiobook.synth import RetryPolicy  # noqa: E402
from tests.fakes.edge_service import FakeEdgeService  # noqa: E402
from tests.fakes.fixtures import closed_port  # noqa: E402

pytestmark = pytest.mark.slow

#: One MP3 frame at the episode's rate (576 samples at 24 kHz, MPEG-2 layer III); the
#: encoder may end an episode a frame apart when its input arrives in other pieces.
FRAME_S = 1152 / 24_000

ARTICLES = {
    "a-library": "# 社区图书馆开放\n\n本市第一家社区图书馆今天开放。\n\n## 时间\n\n九点开门。\n",
    "b-bus": "# 公交线路调整\n\n下周一起，五路公交车改走新路线。市民可查询站点。\n",
    "c-weather": "# 天气预报\n\n明天多云，气温十五到二十度。\n\n## 后天\n\n有小雨。\n",
    "d-market": "# 早市开张\n\n城东早市今天开张。\n\n摊位一百多个。\n",
}


def write_articles(folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ARTICLES.items():
        (folder / f"{name}.txt").write_text(text, "utf-8")
    return sorted(str(p) for p in folder.glob("*.txt"))


def loopback_env(endpoint: str, voices_url: str) -> dict[str, str]:
    no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY", ""), "127.0.0.1", "localhost"]))
    return {
        ENDPOINT_ENV: endpoint,
        VOICES_URL_ENV: voices_url,
        "NO_PROXY": no_proxy,
        "no_proxy": no_proxy,
    }


@contextlib.contextmanager
def local_cluster(env: dict[str, str]) -> Iterator[distributed.LocalCluster]:
    """A scheduler and two single-threaded worker processes on 127.0.0.1, started with
    ``env`` (worker processes take the environment they are started with, as `dask worker`
    on another machine would have its own)."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def fake_edge() -> Iterator[FakeEdgeService]:
    service = FakeEdgeService().start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def cluster(fake_edge: FakeEdgeService) -> Iterator[distributed.LocalCluster]:
    with local_cluster(loopback_env(fake_edge.endpoint, fake_edge.voices_url)) as running:
        yield running


@pytest.fixture
def at_fake(monkeypatch: pytest.MonkeyPatch, fake_edge: FakeEdgeService) -> FakeEdgeService:
    """This process (the coordinator) pointed at the fake too."""
    for key, value in loopback_env(fake_edge.endpoint, fake_edge.voices_url).items():
        monkeypatch.setenv(key, value)
    return fake_edge


def options(output: Path, cache: Path, engine: str, **extra: object) -> pipeline.BuildOptions:
    profile = profiles.resolve(engine=engine)
    return pipeline.BuildOptions(output=output, profile=profile, cache_dir=cache, **extra)  # type: ignore[arg-type]


def by_article(output: Path) -> dict[str, EpisodeRecord]:
    return {Path(r.source or "").name: r for r in Store(output).episodes()}


def keys(cache: Path) -> set[str]:
    return {p.stem for p in cache.rglob("*.json")}


def assert_same_episodes(local: Path, clustered: Path) -> None:
    ours, theirs = by_article(local), by_article(clustered)
    assert ours.keys() == theirs.keys() == {f"{name}.txt" for name in ARTICLES}
    for name, mine in ours.items():
        other = theirs[name]
        assert (mine.title, mine.engine, mine.voice) == (other.title, other.engine, other.voice)
        assert abs(mine.duration_s - other.duration_s) <= FRAME_S, name
        assert [c.title for c in mine.chapters] == [c.title for c in other.chapters]
        for a, b in zip(mine.chapters, other.chapters, strict=True):
            assert abs(a.start_s - b.start_s) <= FRAME_S
        assert [c.text for c in mine.cues] == [c.text for c in other.cues]


def run_pair(
    tmp_path: Path, cluster: distributed.LocalCluster, engine: str, **extra: object
) -> tuple[batch.Summary, batch.Summary]:
    sources = write_articles(tmp_path / "in")
    local = batch.run(
        sources, options(tmp_path / "local", tmp_path / "cache-local", engine, **extra)
    )
    speaker = DaskSpeaker(cluster.scheduler_address)
    try:
        clustered = batch.run(
            sources,
            options(tmp_path / "cluster", tmp_path / "cache-cluster", engine, **extra),
            speaker=speaker,
        )
    finally:
        speaker.close()
    return local, clustered


def test_espeak_on_the_cluster_builds_what_this_machine_builds(
    tmp_path: Path, cluster: distributed.LocalCluster
) -> None:
    local, clustered = run_pair(tmp_path, cluster, "espeak")
    assert [i.status for i in clustered.items] == ["built"] * len(ARTICLES)
    assert [i.status for i in local.items] == ["built"] * len(ARTICLES)
    assert_same_episodes(tmp_path / "local", tmp_path / "cluster")
    assert keys(tmp_path / "cache-local") == keys(tmp_path / "cache-cluster")
    # The workers spoke every sentence: the coordinator's builds were all cache hits, and
    # the feed is the same feed (its episodes in the same order).
    local_feed = [r.title for r in Store(tmp_path / "local").episodes()]
    assert [r.title for r in Store(tmp_path / "cluster").episodes()] == local_feed


def test_the_edge_voice_on_the_cluster_builds_what_this_machine_builds(
    tmp_path: Path, cluster: distributed.LocalCluster, at_fake: FakeEdgeService
) -> None:
    before = len(at_fake.stats.requests)
    local, clustered = run_pair(tmp_path, cluster, "edge")
    assert [i.status for i in clustered.items] == ["built"] * len(ARTICLES)
    assert local.exit_code == 0
    assert_same_episodes(tmp_path / "local", tmp_path / "cluster")
    assert keys(tmp_path / "cache-local") == keys(tmp_path / "cache-cluster")
    # Each sentence asked for once by this machine and once by the cluster: the
    # coordinator spoke nothing after its workers.
    asked = len(at_fake.stats.requests) - before
    assert asked == 2 * len(keys(tmp_path / "cache-local"))


def test_a_worker_killed_mid_batch_loses_nothing(
    tmp_path: Path, cluster: distributed.LocalCluster, at_fake: FakeEdgeService
) -> None:
    sources = write_articles(tmp_path / "in")
    local = batch.run(sources, options(tmp_path / "local", tmp_path / "cache-local", "edge"))
    assert local.exit_code == 0
    # Slow answers, so the batch is still speaking when a worker dies; one sentence at a
    # time per task, so a task is surely half done.
    at_fake.set_faults(delay_rate=1.0, delay_s=0.4)
    speaker = DaskSpeaker(cluster.scheduler_address)
    killed: list[int] = []

    def kill_a_busy_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            busy = [w for w, tasks in speaker.client.processing().items() if tasks]
            if busy and (tmp_path / "cache-cluster").exists():
                pid = speaker.client.run(os.getpid, workers=busy[:1])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
    try:
        killer.start()
        clustered = batch.run(
            sources,
            options(tmp_path / "cluster", tmp_path / "cache-cluster", "edge", concurrency=1),
            speaker=speaker,
        )
        killer.join(60)
    finally:
        at_fake.set_faults()
        speaker.close()
    assert killed, "no worker was busy to kill"
    assert [i.status for i in clustered.items] == ["built"] * len(ARTICLES)
    assert_same_episodes(tmp_path / "local", tmp_path / "cluster")
    assert keys(tmp_path / "cache-local") == keys(tmp_path / "cache-cluster")


def test_workers_that_cannot_reach_the_voice_fail_as_a_local_build_does(
    tmp_path: Path, at_fake: FakeEdgeService
) -> None:
    """The coordinator sees the service (its voice check passes); the workers see a closed
    port: each article fails with the EngineError (exit 3) a local build gives when it
    cannot reach the service, and the batch reports every article and goes on."""
    port = closed_port()
    down = f"ws://127.0.0.1:{port}/consumer/speech/synthesize/readaloud/edge/v1?Trusted=x"
    fast = RetryPolicy(give_up_after_s=5.0, down_attempts=3, base_delay_s=0.001, max_delay_s=0.004)
    sources = write_articles(tmp_path / "in")[:2]
    with local_cluster(loopback_env(down, at_fake.voices_url)) as workers_offline:
        speaker = DaskSpeaker(workers_offline.scheduler_address)
        try:
            summary = batch.run(
                sources,
                options(tmp_path / "out", tmp_path / "cache", "edge", retry=fast),
                speaker=speaker,
            )
        finally:
            speaker.close()
    assert [i.status for i in summary.items] == ["failed", "failed"]
    assert summary.exit_code == 3 and {i.exit_code for i in summary.items} == {3}
    assert not (tmp_path / "out" / "feed.xml").exists()

    # The same article built here against the same closed port: the same error.
    os.environ[ENDPOINT_ENV] = down  # restored by the monkeypatch of at_fake
    from audiobook.errors import EngineError

    with pytest.raises(EngineError) as local:
        pipeline.build(sources[0], options(tmp_path / "here", tmp_path / "c2", "edge", retry=fast))
    said = rf"^section \d+, sentence \d+ \(«[^»]+»\): cannot connect to 127\.0\.0\.1:{port}\b"
    assert re.match(said, str(local.value))
    for item in summary.items:
        assert item.error is not None and re.match(said, item.error), item.error
        assert item.error.endswith("it looks down)")


def test_a_bad_or_silent_cluster_address_is_one_line() -> None:
    from audiobook.errors import ConfigError, EngineError

    for bad in ("bogus address", "tcp://host-without-port", "http://127.0.0.1:8786"):
        with pytest.raises(ConfigError, match="--cluster"):
            DaskSpeaker(bad)
    with pytest.raises(EngineError, match="no Dask scheduler answered"):
        DaskSpeaker(f"tcp://127.0.0.1:{closed_port()}", timeout_s=1.0)


def test_the_command_on_a_dask_scheduler_and_workers_builds_the_same_feed(
    tmp_path: Path,
) -> None:
    """The issue's "done when", as a user runs it: `dask scheduler` and `dask worker`
    processes, then `audiobook batch folder/ --output site` and the same with `--cluster`."""
    import json
    import subprocess
    import sys

    import feedparser
    from episode_builds import cli, env

    port = closed_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = ["--no-dashboard"]
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", str(port), *quiet],
        env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    workers = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "2",
         "--nthreads", "1", "--host", "127.0.0.1", *quiet],
        env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        folder = tmp_path / "in"
        write_articles(folder)
        common = ["--engine", "espeak", "--json", "-q"]
        here = cli("batch", str(folder), "-o", str(tmp_path / "site"), *common,
                   "--cache-dir", str(tmp_path / "c1"))  # fmt: skip
        there = cli("batch", str(folder), "-o", str(tmp_path / "site2"), *common,
                    "--cache-dir", str(tmp_path / "c2"), "--cluster", address)  # fmt: skip
    finally:
        for proc in (workers, scheduler):
            proc.terminate()
        for proc in (workers, scheduler):
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
    assert here.returncode == 0, here.stderr
    assert there.returncode == 0, there.stderr
    summary = json.loads(there.stdout.splitlines()[-1])["summary"]
    assert summary["built"] == len(ARTICLES)
    assert_same_episodes(tmp_path / "site", tmp_path / "site2")
    assert keys(tmp_path / "c1") == keys(tmp_path / "c2")
    feeds = [feedparser.parse(str(tmp_path / s / "feed.xml")) for s in ("site", "site2")]
    # The same episodes; their order follows each run's own publication times (to the
    # second, then the id), which two runs need not share.
    assert sorted(e.title for e in feeds[0].entries) == sorted(e.title for e in feeds[1].entries)
    assert len(feeds[1].entries) == len(ARTICLES)
    assert not feeds[1].bozo
