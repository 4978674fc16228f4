"""Installing a neural voice: fetch it (or take a file the user has), check it, place it.

An install is all or nothing: files are fetched and checked as ``.part`` files, the voice is
loaded and made to speak, and only then moved into the store's folder
(:mod:`audiobook.voice_store`). Apart from the store because checking a voice needs the
engine, which itself reads the store.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from pathlib import Path

from audiobook import download
from audiobook.engines.piper import check_loads
from audiobook.errors import ConfigError
from audiobook.voice_store import (
    Progress,
    VoiceFiles,
    catalogue,
    data_dir,
    read_config,
    voices_dir,
)

__all__ = ["install", "install_from_file"]


def install_from_file(model: Path) -> VoiceFiles:
    """Install a voice the user already has (``NAME.onnx`` with ``NAME.onnx.json`` beside
    it), after checking that it loads and speaks. Returns its VoiceFiles."""
    if model.suffix != ".onnx" or not model.is_file():
        raise ConfigError(f"{model}: expected a Piper voice model file (NAME.onnx)")
    files = read_config(model)
    check_loads(files)
    return _place(files.name, [files.model, files.config])


def install(name: str, *, progress: Progress | None = None) -> VoiceFiles:
    """Download a catalogue voice, verify every file, check it speaks, and install it."""
    voices = catalogue()
    if name not in voices:
        known = ", ".join(sorted(voices))
        raise ConfigError(f"no voice {name!r} in the catalogue (known: {known})")
    entry = voices[name]
    # Partial downloads are kept in the data folder (not a temp dir) so a rerun resumes them.
    staging = data_dir() / "downloads" / name
    fetched = []
    for item in entry.files:
        algorithm, digest = ("sha256", item.sha256) if item.sha256 else ("md5", item.md5)
        if not digest:
            raise ConfigError(f"the catalogue gives no checksum for {item.url}")
        report = None
        if progress is not None:
            report = functools.partial(progress, item.filename)
        fetched.append(
            download.fetch(
                item.url,
                staging / item.filename,
                download.Expected(item.size, algorithm, digest),
                progress=report,
            )
        )
    model = next((p for p in fetched if p.suffix == ".onnx"), None)
    if model is None:
        raise ConfigError(f"the catalogue entry {name!r} has no .onnx model")
    check_loads(read_config(model, name))
    result = _place(name, fetched)
    shutil.rmtree(staging, ignore_errors=True)
    return result


def _place(name: str, sources: list[Path]) -> VoiceFiles:
    """Copy a voice's files into the voices folder all at once (a build never sees half a
    voice): config first under a temporary name, then both renamed in."""
    folder = voices_dir()
    folder.mkdir(parents=True, exist_ok=True)
    targets = []
    with tempfile.TemporaryDirectory(dir=folder, prefix=".install-") as work:
        for source in sources:
            suffix = ".onnx.json" if source.name.endswith(".onnx.json") else ".onnx"
            staged = Path(work) / f"{name}{suffix}"
            shutil.copyfile(source, staged)
            targets.append((staged, folder / staged.name))
        # The config goes in first: a model without its config is skipped by installed().
        for staged, target in sorted(targets, key=lambda t: not t[1].name.endswith(".json")):
            os.replace(staged, target)
    return read_config(folder / f"{name}.onnx", name)
