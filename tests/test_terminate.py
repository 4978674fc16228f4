"""SIGTERM is handled as Ctrl-C is, and staging left by dead builds is swept (issue 14, item 7)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from episode_builds import build, build_command, env, tiny_article

from audiobook.publish.store import STAGING_LOCK, staging, sweep_staging

pytestmark = pytest.mark.slow


def long_article(folder: Path, sentences: int = 600) -> Path:
    """Enough sentences for the offline voice's process pool (and seconds of speech)."""
    line = "这是第{}句比较长的测试句子，用来让合成多花一点时间。"
    body = "".join(line.format(i) for i in range(sentences))
    path = folder / "long.txt"
    path.write_text(f"长文章\n\n{body}\n", "utf-8")
    return path


def test_sigterm_is_clean(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(tiny_article(tmp_path, "a", "先发的一篇"), out)
    feed = (out / "feed.xml").read_bytes()
    proc = subprocess.Popen(
        [*build_command(long_article(tmp_path), out, "--no-cache")],
        env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 120
    children: list[psutil.Process] = []
    while time.monotonic() < deadline and proc.poll() is None:
        children = parent.children(recursive=True)
        if list(out.glob(".build-*")) and len(children) >= 2:  # speaking on a pool
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the build finished before it could be stopped"
    children = parent.children(recursive=True)
    os.kill(proc.pid, signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 143, stderr
    assert stderr.strip().splitlines()[-1] == "terminated: nothing was published"
    assert not list(out.glob(".build-*"))  # staging removed
    assert (out / "feed.xml").read_bytes() == feed
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, [p.cmdline() for p in alive]  # workers stopped with the build


def test_dead_builds_staging_is_swept_live_ones_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    # A build killed with SIGKILL: its staging stays, its lock is free.
    dead = out / ".build-dead"
    dead.mkdir()
    (dead / STAGING_LOCK).touch()
    (dead / "spool.pcm").write_bytes(b"\0" * 1000)
    # Staging from an older version (no lock): swept once old, kept while it may be live.
    old, fresh = out / ".build-old", out / ".build-fresh"
    for folder in (old, fresh):
        folder.mkdir()
    os.utime(old, (time.time() - 7 * 3600, time.time() - 7 * 3600))
    with staging(out) as live:  # a live build in this process (its flock is held)
        assert not dead.exists() and not old.exists()  # swept as this build started
        assert fresh.exists() and live.exists()
        # Another process sweeping now leaves the live build's staging alone.
        proc = subprocess.run(
            [
                sys.executable, "-c",
                "import sys; from pathlib import Path; from audiobook.publish.store import "
                "sweep_staging; print(len(sweep_staging(Path(sys.argv[1]))))", str(out),
            ],
            env=env(), capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert proc.stdout.strip() == "0" and live.exists()
    assert not live.exists()
    assert sweep_staging(out) == [] and fresh.exists()
