"""Voice engines, one module each, behind :class:`~audiobook.engines.base.Engine`.

``choose`` turns a profile into one engine for the whole build: ``auto`` asks the Microsoft
service once, up front, so an episode is never a mix of voices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from audiobook.engines.base import Engine, VoiceSettings
from audiobook.errors import ConfigError

if TYPE_CHECKING:  # profiles checks its settings with engines.base: no import cycle
    from audiobook.profiles import Profile

__all__ = [
    "OFFLINE_ENGINES",
    "PROBE_TIMEOUT_S",
    "Choice",
    "Engine",
    "VoiceSettings",
    "choose",
    "create",
]

#: How long ``auto`` waits for the Microsoft service before choosing the offline voice.
PROBE_TIMEOUT_S = 4.0
#: Engines that need no network, and so may speak what a network voice could not
#: (``--fallback``).
OFFLINE_ENGINES = ("espeak", "piper")


@dataclass(frozen=True)
class Choice:
    """The engine a build speaks with (its settings inside it), and why it was chosen."""

    engine: Engine
    reason: str

    @property
    def settings(self) -> VoiceSettings:
        return self.engine.settings


def create(settings: VoiceSettings, *, concurrency: int | None = None) -> Engine:
    if settings.engine == "espeak":
        from audiobook.engines.espeak import EspeakEngine

        return EspeakEngine(settings)
    if settings.engine == "piper":
        from audiobook.engines.piper import PiperEngine

        return PiperEngine(settings, concurrency=concurrency)
    if settings.engine == "edge":
        from audiobook.engines.edge import EdgeEngine

        if concurrency is None:
            return EdgeEngine(settings)
        return EdgeEngine(settings, concurrency=concurrency)
    raise ConfigError(f"unknown engine {settings.engine!r}")


def choose(
    profile: Profile,
    *,
    concurrency: int | None = None,
    probe: Callable[[float], bool] | None = None,
    neural_voice: Callable[[], str | None] | None = None,
) -> Choice:
    """One engine for the build, and a sentence saying why (printed on stderr, recorded).

    ``auto`` prefers, in order: the Microsoft voice when the service answers; an installed
    neural offline Mandarin voice (Piper; ``neural_voice`` finds it, injectable for tests);
    espeak-ng, which is always there.
    """
    if profile.engine != "auto":
        chosen = profile.voice_settings()
        return Choice(create(chosen, concurrency=concurrency), f"profile {profile.name}")
    if probe is None:
        from audiobook.engines.edge import probe as edge_probe

        probe = edge_probe
    if probe(PROBE_TIMEOUT_S):
        chosen = profile.voice_settings("edge")
        reason = "the Microsoft speech service answered"
    else:
        silent = f"the Microsoft speech service did not answer within {PROBE_TIMEOUT_S:g} s"
        found = (neural_voice or installed_neural_voice)()
        if found:
            chosen = profile.offline_settings("piper", voice=found)
            reason = f"{silent}; {found} is an installed neural offline voice (before espeak-ng)"
        else:
            chosen = profile.offline_settings()
            reason = (
                f"{silent}; no neural offline Mandarin voice is installed, so espeak-ng "
                "(audiobook voices install zh_CN-huayan-medium for a better one)"
            )
    return Choice(create(chosen, concurrency=concurrency), reason)


def installed_neural_voice() -> str | None:
    """The installed Piper Mandarin voice, if the piper extra is there to speak it."""
    import importlib.util

    if importlib.util.find_spec("piper") is None:
        return None
    from audiobook.voice_store import mandarin_voice

    return mandarin_voice()
