"""Installed neural voices and the catalogue of installable ones.

Voices live in a per-user data folder (``platformdirs``' user data dir, or
``$AUDIOBOOK_DATA_DIR``), as ``voices/piper/NAME.onnx`` with ``NAME.onnx.json`` beside it:
installed once, used offline by every build after. The catalogue is data shipped with the
package (``audiobook/data/piper_voices.json``: official release URLs, sizes and digests),
replaceable with ``$AUDIOBOOK_VOICE_CATALOGUE`` (a mirror, or a test's local server).

Installing (fetching, checking, placing) is :mod:`audiobook.voice_install`'s: it needs the
engine to hear a voice speak, and the engine needs this module to find its files, so the
store stays below both.
"""

from __future__ import annotations

import json
import os
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


@dataclass(frozen=True)
class VoiceFiles:
    """An installed voice: its model and config, and what the config says about it."""

    name: str
    model: Path
    config: Path
    language: str
    quality: str
    sample_rate: int
    speakers: dict[str, int]
    phoneme_type: str
    espeak_voice: str

    @property
    def mandarin(self) -> bool:
        return self.language.lower().startswith("zh")


def read_config(model: Path, name: str | None = None) -> VoiceFiles:
    """What a voice's ``.onnx.json`` says (language, rate, speakers); ConfigError if it is
    missing or is not a Piper config."""
    config = model.with_name(model.name + ".json")
    try:
        raw: dict[str, Any] = json.loads(config.read_text("utf-8"))
        language = raw.get("language", {}).get("code") or raw["espeak"]["voice"]
        return VoiceFiles(
            name=name or model.name.removesuffix(".onnx"),
            model=model,
            config=config,
            language=str(language),
            quality=str(raw.get("audio", {}).get("quality", "")),
            sample_rate=int(raw["audio"]["sample_rate"]),
            speakers={str(k): int(v) for k, v in (raw.get("speaker_id_map") or {}).items()},
            phoneme_type=str(raw.get("phoneme_type", "espeak")),
            espeak_voice=str(raw.get("espeak", {}).get("voice", "")),
        )
    except FileNotFoundError:
        raise ConfigError(f"{config}: a Piper voice needs its config beside the model") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{config}: not a Piper voice config ({exc})") from None


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


def installed() -> list[VoiceFiles]:
    """The installed voices (:class:`VoiceFiles`), by name; a voice
    whose config is missing or broken is skipped (``voices`` lists it as broken)."""
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


def resolve(name: str) -> VoiceFiles:
    """The installed voice ``name`` (empty: the installed Mandarin voice); ConfigError saying
    how to install it otherwise."""
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


def remove(name: str) -> None:
    folder = voices_dir()
    model = folder / f"{name}.onnx"
    if not model.exists():
        raise ConfigError(f"the Piper voice {name!r} is not installed")
    model.unlink()
    model.with_name(model.name + ".json").unlink(missing_ok=True)
