"""A real podcast client: Debian's gPodder (``gpo``) subscribes to the served feed and
downloads both episodes. Skips where ``gpo`` is not installed (``.ci/run`` installs it when
apt is there)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from episode_builds import build, cli, tiny_article

from audiobook.publish.store import Store
from audiobook.serve import running

GPO = shutil.which("gpo")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(GPO is None, reason="no gpo (Debian's gpodder; .ci/run installs it)"),
]


def _gpo(home: Path, downloads: Path, *args: str) -> str:
    """Run ``gpo`` with its data and downloads kept in temporary folders."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environment.update(
        GPODDER_HOME=str(home), GPODDER_DOWNLOAD_DIR=str(downloads), LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
    )  # fmt: skip
    proc = subprocess.run(
        [str(GPO), *args], env=environment, capture_output=True, text=True, timeout=180,
        check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return proc.stdout


def test_gpodder_subscribes_and_downloads_both_episodes(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(tiny_article(tmp_path, "first", "第一篇"), out, "--title", "第一篇")
    build(tiny_article(tmp_path, "second", "第二篇"), out, "--title", "第二篇")
    home, downloads = tmp_path / "gpodder", tmp_path / "downloads"
    with running(out) as url:
        # Absolute enclosure URLs pointing at this server, set the way a producer would.
        proc = cli("feed", "set", "base_url", url, "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        feed = f"{url}/feed.xml"
        _gpo(home, downloads, "subscribe", feed)
        _gpo(home, downloads, "update")
        listed = _gpo(home, downloads, "episodes", "--guid", feed)
        _gpo(home, downloads, "download")
    records = Store(out).episodes()
    assert len(records) == 2
    for record in records:
        assert record.guid in listed  # gPodder read each item's guid
    got = {p.name: p for p in downloads.rglob("*.mp3")}
    assert sorted(got) == sorted(Path(r.mp3).name for r in records)
    for record in records:
        local = out / record.mp3
        fetched = got[local.name]
        assert fetched.stat().st_size == local.stat().st_size == record.bytes
        assert fetched.read_bytes() == local.read_bytes()
