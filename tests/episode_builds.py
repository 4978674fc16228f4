"""Real episodes for publishing tests: the offline voice on tiny articles, through the CLI.

Builds go through ``python -m audiobook`` subprocesses (as a user runs them), never through
anything in ``../shared``; each takes a few seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "jianfu.txt"

TINY = (
    "{title}\n\n导语一句。\n\n一、第一部分\n\n这是第一部分的一句话。\n\n"
    "二、第二部分\n\n这是第二部分的一句话。\n"
)


def tiny_article(folder: Path, name: str, title: str = "小文章") -> Path:
    """A three-section article short enough to speak in a second or two."""
    path = folder / f"{name}.txt"
    path.write_text(TINY.format(title=title), "utf-8")
    return path


def build_command(article: Path, output: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "audiobook", "build", str(article), "--engine", "espeak",
        "--output", str(output), "--json", "--quiet", *extra,
    ]  # fmt: skip


def env() -> dict[str, str]:
    """The test process's environment (conftest points edge at a closed port) plus the repo."""
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join([str(ROOT), out.get("PYTHONPATH", "")])
    return out


def build(article: Path, output: Path, *extra: str) -> dict[str, object]:
    """Build one episode; returns the CLI's ``--json`` object."""
    proc = subprocess.run(
        build_command(article, output, *extra), capture_output=True, text=True, env=env(),
        check=False, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))
