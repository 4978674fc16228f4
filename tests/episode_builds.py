"""Real episodes for publishing tests: the offline voice on tiny articles, through the CLI.

Builds go through ``python -m audiobook`` subprocesses (as a user runs them), never through
anything in ``../shared``; each takes a few seconds.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

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


def build_args(article: Path, output: Path, *extra: str) -> list[str]:
    """``audiobook build`` of ``article`` into ``output`` with the offline voice, as JSON."""
    return [
        "build", str(article), "--engine", "espeak", "--output", str(output), "--json", "--quiet",
        *extra,
    ]  # fmt: skip


def build_command(article: Path, output: Path, *extra: str) -> list[str]:
    """:func:`build_args` as a command line, for tests that start builds themselves."""
    return [sys.executable, "-m", "audiobook", *build_args(article, output, *extra)]


def env() -> dict[str, str]:
    """The test process's environment (conftest points edge at a closed port) plus the repo."""
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join([str(ROOT), out.get("PYTHONPATH", "")])
    return out


def cli(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m audiobook ARGS`` as a user runs it (its exit code is the caller's to check)."""
    return subprocess.run(
        [sys.executable, "-m", "audiobook", *args], capture_output=True, text=True,
        env={**env(), **(env_extra or {})}, cwd=ROOT, check=False,
    )  # fmt: skip


def build(article: Path, output: Path, *extra: str) -> dict[str, object]:
    """Build one episode; returns the CLI's ``--json`` object."""
    proc = cli(*build_args(article, output, *extra))
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def request(
    url: str, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """A raw request to a served folder: the path goes out exactly as given (no client-side
    normalising). Returns status, lower-cased headers and body."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def image(path: Path, size: tuple[int, int], mode: str = "RGB", kind: str = "JPEG") -> Path:
    """A plain cover-art candidate of the given size, colour mode and format."""
    from PIL import Image

    Image.new(mode, size, "#336699" if mode != "L" else 128).save(path, kind)
    return path
