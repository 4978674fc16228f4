"""Full and read-only disks: every command that writes fails with exit 4 and one line, and
what was published is untouched (issue 14, item 9)."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from episode_builds import build, cli, tiny_article
from typer.testing import CliRunner

from audiobook.cli import app
from audiobook.publish import store as store_module
from audiobook.publish.store import Store

pytestmark = pytest.mark.slow

COMMANDS = (
    ("feed", "set", "title", "新标题"),
    ("feed", "init", "-y", "--title", "又一个"),
    ("feed", "remove", "{id}"),
    ("daisy", "{id}"),
)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` by path, with a hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """One episode built into a plain folder (copied onto the faulty disks below)."""
    root = tmp_path_factory.mktemp("published")
    article = tiny_article(root, "a", "磁盘测试")
    out = root / "out"
    build(article, out)
    (episode_id,) = [r.id for r in Store(out).episodes()]
    return out, episode_id, article


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs (needs root; skipped elsewhere: the simulated test below still runs)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _check_every_command(out: Path, episode_id: str, article: Path, *causes: str) -> None:
    before = snapshot(out)
    runs = [[part.format(id=episode_id) for part in command] for command in COMMANDS]
    runs.append(["build", str(article), "--engine", "espeak", "--title", "另一篇", "-q"])
    for command in runs:
        proc = cli(*command, "-o", str(out))
        assert proc.returncode == 4, (command, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and any(c in lines[0].lower() for c in causes), proc.stderr
        assert "unexpected" not in proc.stderr
        assert snapshot(out) == before, command  # nothing published changed


def test_read_only_disk(published: tuple[Path, str, Path], small_disk: Path) -> None:
    out, episode_id, article = published
    shutil.copytree(out, small_disk / "out")
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    _check_every_command(small_disk / "out", episode_id, article, "read-only file system")


def test_full_disk(published: tuple[Path, str, Path], small_disk: Path) -> None:
    out, episode_id, article = published
    shutil.copytree(out, small_disk / "out")
    with open(small_disk / "filler", "wb") as handle, pytest.raises(OSError):  # the rest
        while True:
            handle.write(b"\0" * 65536)
            handle.flush()
    out = small_disk / "out"
    # A build sees the disk is full before it speaks; the rest when they write.
    _check_every_command(out, episode_id, article, "no space left on device", "free needed")


def test_simulated_full_disk(
    published: tuple[Path, str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same without root: the store's atomic write is where a full disk shows."""
    out, episode_id, _ = published
    shutil.copytree(out, tmp_path / "out")
    out = tmp_path / "out"
    before = snapshot(out)

    def full(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(store_module.tempfile, "mkstemp", full)
    for command in COMMANDS[:3]:
        args = [part.format(id=episode_id) for part in command]
        result = CliRunner().invoke(app, [*args, "-o", str(out)])
        assert result.exit_code == 4, (command, result.output)
        assert "No space left on device" in result.output
    assert snapshot(out) == before
