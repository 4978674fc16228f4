"""``audiobook batch`` on this machine: one episode per article, failures kept to their
article, re-runs that skip what is published and unchanged, and a coordinator killed
mid-batch that leaves the feed valid and a re-run that finishes. Real builds (espeak-ng)."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
from episode_builds import cli

from audiobook import batch, pipeline
from audiobook.batch import Observer, content_hash
from audiobook.publish.store import Store

pytestmark = pytest.mark.slow

ARTICLES = {
    "a-library": "# 社区图书馆开放\n\n本市第一家社区图书馆今天开放。\n\n## 时间\n\n九点开门。\n",
    "b-bus": "# 公交线路调整\n\n下周一起，五路公交车改走新路线。\n",
    "c-weather": "# 天气预报\n\n明天多云，气温十五到二十度。\n",
}


def write_articles(folder: Path, articles: dict[str, str] = ARTICLES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / f"{name}.txt").write_text(text, "utf-8")
    return folder


def options(output: Path, **extra: object) -> pipeline.BuildOptions:
    return pipeline.BuildOptions(output=output, engine="espeak", **extra)  # type: ignore[arg-type]


class Recorder(Observer):
    def __init__(self) -> None:
        self.items: list[batch.ItemResult] = []
        self.spoken_count = 0

    def spoken(self, count: int) -> None:
        self.spoken_count += count

    def finished(self, item: batch.ItemResult) -> None:
        self.items.append(item)


def sources(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.glob("*.txt"))


def test_one_episode_per_article_and_a_rerun_builds_nothing(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "in")
    out = tmp_path / "site"
    first = batch.run(sources(folder), options(out), Recorder())
    assert [i.status for i in first.items] == ["built"] * 3
    assert first.exit_code == 0
    records = Store(out).episodes()
    assert sorted(r.title for r in records) == sorted(
        ["社区图书馆开放", "公交线路调整", "天气预报"]
    )
    feed = feedparser.parse(str(out / "feed.xml"))
    assert not feed.bozo and len(feed.entries) == 3

    recorder = Recorder()
    again = batch.run(sources(folder), options(out), recorder)
    assert [i.status for i in again.items] == ["skipped"] * 3
    assert recorder.spoken_count == 0
    assert Store(out).episodes() == records  # nothing published again
    assert {i.episode["mp3"] for i in again.items if i.episode} == {
        str(out / r.mp3) for r in records
    }


def test_a_changed_article_is_rebuilt_in_its_episodes_place(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "in")
    out = tmp_path / "site"
    batch.run(sources(folder), options(out))
    before = {r.article: r for r in Store(out).episodes()}
    (folder / "b-bus.txt").write_text(
        "# 公交线路调整\n\n下周一起，七路公交车也改走新路线。\n", "utf-8"
    )
    summary = batch.run(sources(folder), options(out))
    assert [i.status for i in summary.items] == ["skipped", "built", "skipped"]
    after = {r.article: r for r in Store(out).episodes()}
    assert after.keys() == before.keys()
    changed = next(k for k in after if k.endswith("b-bus.txt"))
    assert after[changed].guid == before[changed].guid  # the same article, rebuilt
    assert after[changed].mp3 != before[changed].mp3
    # Other voice settings are another episode's content: everything is built again.
    rate = batch.run(sources(folder), options(out, rate="+20%"))
    assert [i.status for i in rate.items] == ["built"] * 3


def test_an_episode_removed_from_the_feed_is_built_again(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "in")
    out = tmp_path / "site"
    batch.run(sources(folder), options(out))
    victim = Store(out).episodes()[0]
    done = cli("feed", "remove", victim.id, "--output", str(out))
    assert done.returncode == 0, done.stderr
    summary = batch.run(sources(folder), options(out))
    assert sorted(i.status for i in summary.items) == ["built", "skipped", "skipped"]
    assert len(Store(out).episodes()) == 3


def test_a_failing_article_is_reported_and_the_rest_are_built(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "in")
    (folder / "b-empty.txt").write_text("", "utf-8")
    out = tmp_path / "site"
    done = cli("batch", str(folder), "--engine", "espeak", "--output", str(out), "--json")
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    items, summary = lines[:-1], lines[-1]["summary"]
    assert [i["status"] for i in items] == ["built", "built", "failed", "built"]
    failed = items[2]
    assert failed["source"].endswith("b-empty.txt") and "is empty" in failed["error"]
    assert failed["exit_code"] == 2  # what `audiobook build` exits with for it
    assert summary == {**summary, "built": 3, "failed": 1, "skipped": 0, "exit_code": 2}
    assert done.returncode == 2
    assert "failed:" in done.stderr and "b-empty.txt" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(Store(out).episodes()) == 3


def test_failures_of_different_kinds_exit_1() -> None:
    items = (
        batch.ItemResult("a", "failed", error="x", exit_code=2),
        batch.ItemResult("b", "failed", error="y", exit_code=3),
        batch.ItemResult("c", "built"),
    )
    assert batch.Summary(items, Path("feed.xml"), 0).exit_code == batch.MIXED_FAILURES_EXIT
    assert batch.Summary(items[1:], Path("feed.xml"), 0).exit_code == 3
    assert batch.Summary(items[2:], Path("feed.xml"), 0).exit_code == 0


def test_a_killed_coordinator_leaves_a_valid_feed_and_a_rerun_finishes(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "in")
    out = tmp_path / "site"
    args = ("batch", str(folder), "--engine", "espeak", "--output", str(out), "--quiet")
    # Killed (as SIGKILL would) the instant the first episode's publish commits: committed
    # but not applied, not in the batch's manifest, the other articles not begun.
    killed = cli(*args, env_extra={"AUDIOBOOK_CRASH_AT": "journal"})
    assert killed.returncode == 137
    done = cli(*args, "--json")
    assert done.returncode == 0, done.stderr
    statuses = [json.loads(line).get("status") for line in done.stdout.splitlines()[:-1]]
    assert statuses.count("built") >= 2 and "failed" not in statuses
    records = Store(out).episodes()
    assert len(records) == 3 and len({r.article for r in records}) == 3
    feed = feedparser.parse(str(out / "feed.xml"))
    assert not feed.bozo and len(feed.entries) == 3
    for record in records:
        assert (out / record.mp3).is_file()
    third = cli(*args, "--json")
    statuses = [json.loads(line).get("status") for line in third.stdout.splitlines()[:-1]]
    assert statuses == ["skipped"] * 3


def test_the_content_hash_follows_what_is_heard_and_shown(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(ARTICLES["a-library"], "utf-8")
    prepared = pipeline.prepare(path)
    from audiobook.engines.base import VoiceSettings
    from audiobook.synth import cache_key
    from audiobook.text.script import script

    segments = script(prepared.article, normalise=True, max_chars=400)
    settings = VoiceSettings("espeak", "cmn", "+0%", "+0Hz", "+0%")
    keys = [cache_key(settings, s.spoken_text) for s in segments]
    base = content_hash(prepared, segments, keys, options(tmp_path))
    assert content_hash(prepared, segments, keys, options(tmp_path)) == base
    assert content_hash(prepared, segments, keys, options(tmp_path, daisy=True)) != base
    assert content_hash(prepared, segments, [k[::-1] for k in keys], options(tmp_path)) != base


def test_a_damaged_manifest_means_building_again_not_failing(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "in", {"c-weather": ARTICLES["c-weather"]})
    out = tmp_path / "site"
    batch.run(sources(folder), options(out))
    (out / batch.MANIFEST_NAME).write_text("{not json", "utf-8")
    summary = batch.run(sources(folder), options(out))
    assert [i.status for i in summary.items] == ["built"]
    assert len(Store(out).episodes()) == 1  # in its own place, not a second episode


def test_a_batch_refuses_replace_and_an_empty_list(tmp_path: Path) -> None:
    from audiobook.errors import ConfigError

    with pytest.raises(ConfigError):
        batch.run([], options(tmp_path, replace="x"))
    done = cli("batch", "--engine", "espeak", "--output", str(tmp_path / "o"))
    assert done.returncode == 2 and "a batch needs at least one article" in done.stderr


def test_a_terminated_batch_says_what_is_published_and_a_rerun_finishes(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    from episode_builds import ROOT, env

    folder = write_articles(tmp_path / "in")
    out = tmp_path / "site"
    args = ["batch", str(folder), "--engine", "espeak", "--output", str(out), "--json", "-q"]
    with subprocess.Popen(
        [sys.executable, "-m", "audiobook", *args], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=env(), cwd=ROOT,
    ) as proc:  # fmt: skip
        assert proc.stdout is not None and proc.stderr is not None
        first = json.loads(proc.stdout.readline())
        proc.send_signal(signal.SIGTERM)
        _rest, stderr = proc.communicate(timeout=120)
    assert first["status"] == "built"
    if proc.returncode == 0:  # it finished before the signal landed: nothing to check
        pytest.skip("the batch finished before SIGTERM")
    assert proc.returncode == 143, stderr
    assert "terminated:" in stderr and "run the same command again" in stderr
    assert "Traceback" not in stderr
    feed = feedparser.parse(str(out / "feed.xml"))
    assert not feed.bozo and len(feed.entries) == len(Store(out).episodes()) >= 1
    again = batch.run(sources(folder), options(out))
    assert again.items[0].status == "skipped" and again.exit_code == 0
    assert len(Store(out).episodes()) == 3


def test_a_voice_that_is_down_stops_the_batch_after_three_articles(
    tmp_path: Path, edge_down: str
) -> None:
    from audiobook.synth import RetryPolicy

    texts = {f"{n}-item": f"# 第{n}条\n\n今天的第{n}条消息。\n" for n in range(5)}
    folder = write_articles(tmp_path / "in", texts)
    fast = RetryPolicy(give_up_after_s=5.0, down_attempts=3, base_delay_s=0.001, max_delay_s=0.004)
    opts = pipeline.BuildOptions(output=tmp_path / "site", engine="edge", retry=fast)
    summary = batch.run(sources(folder), opts)
    assert [i.status for i in summary.items] == ["failed"] * 5
    assert summary.exit_code == 3
    tried, not_tried = summary.items[:3], summary.items[3:]
    assert all("looks down" in (i.error or "") for i in tried)
    said = "not tried: the voice failed for the 3 articles"
    assert all(said in (i.error or "") for i in not_tried)
    assert not (tmp_path / "site" / "feed.xml").exists()
