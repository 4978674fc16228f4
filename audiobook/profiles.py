"""Voice profiles: small TOML files in ``voices/`` naming an engine, a voice and its settings.

A profile is looked up as a path, then in ``./voices/`` (a producer's own), then among the
profiles shipped with the package. Flags override a profile field by field.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from audiobook.engines.base import VoiceSettings
from audiobook.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ENGINES = ("auto", "edge", "espeak", "piper")
DEFAULT_PROFILE = "auto"


@dataclass(frozen=True)
class Profile:
    """A profile, with the flags that override it applied (see :func:`with_overrides`).

    Its voice is one :class:`~audiobook.engines.base.VoiceSettings`, the record that knows
    what a valid rate, pitch, volume or voice is and checks them when it is made; the
    profile adds what only a profile has: the offline voice (which ``auto``, ``--engine
    espeak`` and ``--fallback`` may use, checked here as espeak-ng's), so both voices are
    refused before any speech.
    """

    name: str
    settings: VoiceSettings
    offline_voice: str = "cmn"
    description: str = ""

    def __post_init__(self) -> None:
        if self.settings.engine not in ENGINES:
            engine = self.settings.engine
            raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
        self.offline_settings()

    @property
    def engine(self) -> str:
        """The profile's engine (``auto`` included), as its settings name it."""
        return self.settings.engine

    def voice_settings(self, engine: str | None = None) -> VoiceSettings:
        """The settings of the voice this profile names, for ``engine`` (``auto`` resolved
        by the caller; default: the profile's own engine)."""
        return self.settings if engine is None else replace(self.settings, engine=engine)

    def offline_settings(self, engine: str = "espeak", voice: str | None = None) -> VoiceSettings:
        """The settings of the offline voice with this profile's rate, pitch and volume:
        ``auto`` without the service, and ``--fallback``. ``offline_voice`` names an espeak-ng
        voice; a Piper one is ``voice``, or (empty) the installed Mandarin voice."""
        if voice is None:
            voice = self.offline_voice if engine == "espeak" else ""
        return replace(self.settings, engine=engine, voice=voice)


def _shipped() -> dict[str, str]:
    try:
        folder: Any = resources.files("audiobook.voices")
    except ModuleNotFoundError:
        # Running from a checkout without installing: the profiles live in ../voices.
        folder = Path(__file__).resolve().parent.parent / "voices"
    return {
        entry.name[: -len(".toml")]: entry.read_text("utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml") and entry.name != "lexicon.toml"
    }


def available() -> dict[str, Profile]:
    """Every profile a build could use, local ones shadowing shipped ones."""
    found = {name: _parse(name, text, "<shipped>") for name, text in _shipped().items()}
    local = Path("voices")
    if local.is_dir():
        for path in sorted(local.glob("*.toml")):
            if path.name != "lexicon.toml":
                found[path.stem] = _parse(path.stem, path.read_text("utf-8"), str(path))
    return found


def load(name_or_path: str) -> Profile:
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.is_file():
        return _parse(path.stem, path.read_text("utf-8"), str(path))
    profiles = available()
    if name_or_path not in profiles:
        known = ", ".join(sorted(profiles))
        raise ConfigError(f"no voice profile {name_or_path!r} (known: {known})")
    return profiles[name_or_path]


def _parse(name: str, text: str, origin: str) -> Profile:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML ({exc})") from exc
    voice_keys = {f.name for f in fields(VoiceSettings)}
    unknown = set(raw) - voice_keys - {"offline_voice", "description"}
    if unknown:
        raise ConfigError(f"{origin}: unknown profile keys {sorted(unknown)}")
    if raw.get("engine") not in ENGINES:
        raise ConfigError(f"{origin}: engine must be one of {', '.join(ENGINES)}")
    if not isinstance(raw.get("voice"), str):
        raise ConfigError(f"{origin}: needs a voice")
    given = {k: str(v) for k, v in raw.items()}
    try:
        settings = VoiceSettings(**{k: v for k, v in given.items() if k in voice_keys})
        return Profile(name, settings, **{k: v for k, v in given.items() if k not in voice_keys})
    except ConfigError as exc:
        raise ConfigError(f"{origin}: {exc}") from exc


def with_overrides(profile: Profile, **overrides: str | None) -> Profile:
    """The profile with every given (non-None) flag applied."""
    given = {k: v for k, v in overrides.items() if v is not None}
    if "engine" in given and given["engine"] not in ENGINES:
        raise ConfigError(f"--engine must be one of {', '.join(ENGINES)}")
    if given.get("engine") == "espeak" and "voice" not in given and profile.engine != "espeak":
        given["voice"] = profile.offline_voice
    if given.get("engine") == "piper" and "voice" not in given and profile.engine != "piper":
        given["voice"] = ""  # the installed Mandarin voice
    return replace(profile, settings=replace(profile.settings, **given))


def resolve(name_or_path: str = DEFAULT_PROFILE, **overrides: str | None) -> Profile:
    """The profile a build speaks with: ``name_or_path`` (see :func:`load`) with every
    given flag applied, checked."""
    return with_overrides(load(name_or_path), **overrides)
