"""Installed neural voices and the catalogue of installable ones.

Voices live in a per-user data folder (``platformdirs``' user data dir, or
``$AUDIOBOOK_DATA_DIR``), as ``voices/piper/NAME.onnx`` with ``NAME.onnx.json`` beside it:
installed once, used offline by every build after. The catalogue is data shipped with the
package (``audiobook/data/piper_voices.json``: official release URLs, sizes and digests),
replaceable with ``$AUDIOBOOK_VOICE_CATALOGUE`` (a mirror, or a test's local server).

An install is all or nothing: files are fetched and checked as ``.part`` files, the voice is
loaded and made to speak, and only then moved into place.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from audiobook.errors import ConfigError

DATA_DIR_ENV = "AUDIOBOOK_DATA_DIR"
CATALOGUE_ENV = "AUDIOBOOK_VOICE_CATALOGUE"
#: What ``voices install`` suggests for Mandarin when none is installed.
MANDARIN_SUGGESTION = "zh_CN-huayan-medium"

Progress = Callable[[str, int, int | None], None]


def data_dir() -> Path:
    """The per-user data folder: ``$AUDIOBOOK_DATA_DIR``, else the platform's (e.g.
    ``~/.local/share/audiobook``). Unlike the cache, deleting it loses installed voices."""
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("audiobook", appauthor=False))


def voices_dir() -> Path:
    return data_dir() / "voices" / "piper"


@dataclass(frozen=True)
class CatalogueFile:
    url: str
    size: int | None
    md5: str | None = None
    sha256: str | None = None

    @property
    def filename(self) -> str:
        return self.url.split("?", 1)[0].rsplit("/", 1)[-1]


@dataclass(frozen=True)
class CatalogueVoice:
    """An installable voice: where its files are and what they must be."""

    name: str
    language: str
    quality: str
    licence: str
    files: tuple[CatalogueFile, ...]

    @property
    def size(self) -> int:
        return sum(f.size or 0 for f in self.files)


def catalogue() -> dict[str, CatalogueVoice]:
    """Every installable voice by name: the shipped catalogue, or the file named by
    ``$AUDIOBOOK_VOICE_CATALOGUE``."""
    override = os.environ.get(CATALOGUE_ENV, "").strip()
    try:
        if override:
            text = Path(override).read_text("utf-8")
        else:
            shipped = resources.files("audiobook.data").joinpath("piper_voices.json")
            text = shipped.read_text("utf-8")
        raw: dict[str, Any] = json.loads(text)
        voices = {}
        for entry in raw["voices"]:
            files = tuple(
                CatalogueFile(f["url"], f.get("size"), f.get("md5"), f.get("sha256"))
                for f in entry["files"]
            )
            voices[entry["name"]] = CatalogueVoice(
                entry["name"], entry["language"], entry.get("quality", ""),
                entry.get("licence", ""), files,
            )  # fmt: skip
        return voices
    except (OSError, ValueError, KeyError, TypeError) as exc:
        where = override or "(shipped)"
        raise ConfigError(f"the voice catalogue {where} is unreadable: {exc}") from None


def installed() -> list[Any]:
    """The installed voices (:class:`audiobook.engines.piper.VoiceFiles`), by name; a voice
    whose config is missing or broken is skipped (``voices`` lists it as broken)."""
    from audiobook.engines.piper import read_config

    found = []
    folder = voices_dir()
    if folder.is_dir():
        for model in sorted(folder.glob("*.onnx")):
            try:
                found.append(read_config(model))
            except ConfigError:
                continue
    return found


def mandarin_voice() -> str | None:
    """The installed neural Mandarin voice ``auto`` and ``--fallback piper`` prefer (the
    best quality installed; ties by name), or None."""
    order = {"high": 0, "medium": 1, "low": 2, "x_low": 3}
    zh = [v for v in installed() if v.mandarin]
    zh.sort(key=lambda v: (order.get(v.quality, 4), v.name))
    return zh[0].name if zh else None


def resolve(name: str) -> Any:
    """The installed voice ``name`` (empty: the installed Mandarin voice); ConfigError saying
    how to install it otherwise."""
    from audiobook.engines.piper import read_config

    if not name:
        name = mandarin_voice() or ""
        if not name:
            raise ConfigError(
                "no Piper Mandarin voice is installed "
                f"(audiobook voices install {MANDARIN_SUGGESTION})"
            )
    model = voices_dir() / f"{name}.onnx"
    if not model.is_file():
        hint = (
            f"audiobook voices install {name}"
            if name in _catalogue_names()
            else "audiobook voices install --from FILE.onnx"
        )
        raise ConfigError(f"the Piper voice {name!r} is not installed ({hint})")
    return read_config(model, name)


def _catalogue_names() -> set[str]:
    try:
        return set(catalogue())
    except ConfigError:
        return set()


def install_from_file(model: Path) -> Any:
    """Install a voice the user already has (``NAME.onnx`` with ``NAME.onnx.json`` beside
    it), after checking that it loads and speaks. Returns its VoiceFiles."""
    from audiobook.engines.piper import check_loads, read_config

    if model.suffix != ".onnx" or not model.is_file():
        raise ConfigError(f"{model}: expected a Piper voice model file (NAME.onnx)")
    files = read_config(model)
    check_loads(files)
    return _place(files.name, [files.model, files.config])


def install(name: str, *, progress: Progress | None = None) -> Any:
    """Download a catalogue voice, verify every file, check it speaks, and install it."""
    from audiobook import download
    from audiobook.engines.piper import check_loads, read_config

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


def _place(name: str, sources: list[Path]) -> Any:
    """Copy a voice's files into the voices folder all at once (a build never sees half a
    voice): config first under a temporary name, then both renamed in."""
    from audiobook.engines.piper import read_config

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


def remove(name: str) -> None:
    folder = voices_dir()
    model = folder / f"{name}.onnx"
    if not model.exists():
        raise ConfigError(f"the Piper voice {name!r} is not installed")
    model.unlink()
    model.with_name(model.name + ".json").unlink(missing_ok=True)
