"""Publishing is a transaction: a process killed at any step of it leaves the old state or the
new one, never a mix, and the next command finishes or sweeps what it left (issue 14, item 6).

Each build is killed (``os._exit``, as SIGKILL would: no cleanup) at its N-th publishing step,
for N = 1, 2, … until a build gets through them all.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from episode_builds import build, build_args, cli, tiny_article
from lxml import etree

from audiobook.publish.store import CRASH_ENV, JOURNAL_NAME, Store

pytestmark = pytest.mark.slow


def feed_items(out: Path) -> dict[str, tuple[str, int]]:
    """guid → (enclosure path, length) as ``feed.xml`` says."""
    root = etree.parse(str(out / "feed.xml")).getroot()
    items = {}
    for item in root.iter("item"):
        enclosure = item.find("enclosure")
        items[item.findtext("guid")] = (enclosure.get("url"), int(enclosure.get("length")))
    return items


def store_items(out: Path) -> dict[str, tuple[str, int]]:
    return {r.guid: (r.mp3, r.bytes) for r in Store(out).episodes()}


def check_readable(out: Path) -> None:
    """What a reader finds now: every file feed.xml and the store name exists, as long as they
    say (the feed may still describe the state before a committed change, never half of it)."""
    for mp3, length in [*feed_items(out).values(), *store_items(out).values()]:
        assert (out / mp3).stat().st_size == length, mp3
    for record in Store(out).episodes():
        for name in record.files.values():
            assert (out / name).exists(), name


def check_settled(out: Path) -> None:
    """After the next command: feed and store agree, and nothing is left over."""
    check_readable(out)
    assert feed_items(out) == store_items(out)
    assert not (out / JOURNAL_NAME).exists()
    leftovers = [p.name for p in out.rglob("*") if p.name.endswith(".tmp")]
    leftovers += [p.name for p in out.glob(".build-*")]  # the killed build's staging
    assert not leftovers
    named = {n for r in Store(out).episodes() for n in (r.mp3, *r.files.values())}
    on_disk = {f"episodes/{p.name}" for p in (out / "episodes").iterdir()}
    assert on_disk == named


def crash_every_step(base: Path, work: Path, article: Path, *extra: str) -> list[str]:
    """Kill the build of ``article`` into a copy of ``base`` at each step in turn; check each
    wreck and its repair. Returns, per step, whether the repaired folder is "old" or "new"."""
    before = store_items(base)
    outcomes = []
    for step in range(1, 200):
        out = work / f"step{step}"
        shutil.copytree(base, out)
        proc = cli(*build_args(article, out, *extra), env_extra={CRASH_ENV: str(step)})
        if proc.returncode == 0:
            check_settled(out)
            return outcomes
        assert proc.returncode == 137, proc.stderr
        check_readable(out)
        fixed = cli("feed", "set", "language", "zh-cn", "-o", str(out))  # any locking command
        assert fixed.returncode == 0, fixed.stderr
        check_settled(out)
        after = store_items(out)
        assert set(before) <= set(after)  # no episode lost
        outcomes.append("old" if after == before else "new")
        shutil.rmtree(out)
    raise AssertionError("the build never got through")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("crash")
    article = tiny_article(root, "a", "先发的一篇")
    out = root / "base"
    build(article, out)
    return out, article


def test_killed_rebuild_is_old_or_new(base: tuple[Path, Path], tmp_path: Path) -> None:
    out, article = base
    outcomes = crash_every_step(out, tmp_path, article, "--daisy")
    assert len(outcomes) >= 10 and "old" in outcomes and "new" in outcomes
    first_new = outcomes.index("new")
    assert outcomes[first_new:] == ["new"] * (len(outcomes) - first_new)  # the one commit


def test_killed_new_episode_is_old_or_new(base: tuple[Path, Path], tmp_path: Path) -> None:
    out, _ = base
    article = tiny_article(tmp_path, "b", "后发的一篇")
    outcomes = crash_every_step(out, tmp_path, article)
    assert "old" in outcomes and "new" in outcomes


def test_recovery_deletes_only_what_an_unfinished_publish_made(
    base: tuple[Path, Path], tmp_path: Path
) -> None:
    """A file the store does not name (the user's own, or one from a lost store) is never
    taken for a leftover: only the new files a killed publish listed before moving them."""
    out, article = base
    out = Path(shutil.copytree(out, tmp_path / "out"))
    mine = out / "episodes" / "notes.txt"
    mine.write_text("mine", "utf-8")
    proc = cli(*build_args(article, out), env_extra={CRASH_ENV: "move"})  # in the moves
    assert proc.returncode == 137
    fixed = cli("feed", "set", "language", "zh-cn", "-o", str(out))
    assert fixed.returncode == 0, fixed.stderr
    assert mine.read_text("utf-8") == "mine"
    named = {n for r in Store(out).episodes() for n in (r.mp3, *r.files.values())}
    assert {f"episodes/{p.name}" for p in (out / "episodes").iterdir()} == named | {
        "episodes/notes.txt"
    }
