"""The one protocol every voice engine speaks: text in, PCM and timings out.

Adding an engine is one new module in this package plus a profile in ``voices/``; the
scheduler (:mod:`audiobook.synth`), cache and assembler only see this protocol.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from audiobook.errors import ConfigError
from audiobook.models import Speech

#: Bounds of the relative settings, the Microsoft service's own (its rate and pitch are
#: meant for 0.5x-2x and about +-50% of the voice; espeak-ng clamps beyond them anyway).
#: Outside them a build would not fail: it would sound wrong, which nobody notices until
#: the episode is published.
RATE_RANGE = (-50, 100)
PITCH_RANGE_HZ = (-100, 100)
VOLUME_RANGE = (-90, 100)

_RELATIVE = {
    "rate": (re.compile(r"[+-]([0-9]{1,4})%"), "%", RATE_RANGE, "+10%"),
    "pitch": (re.compile(r"[+-]([0-9]{1,4})Hz"), "Hz", PITCH_RANGE_HZ, "-5Hz"),
    "volume": (re.compile(r"[+-]([0-9]{1,4})%"), "%", VOLUME_RANGE, "+0%"),
}
#: A Microsoft voice as profiles and --voice name it (``zh-CN-YunyangNeural``) or as the
#: service spells it in full; edge_tts's TTSConfig accepts exactly these two forms.
_EDGE_VOICE = re.compile(
    r"[a-z]{2,3}-[A-Z]{2,}(-[A-Za-z]+)?-\w+Neural"
    r"|Microsoft Server Speech Text to Speech Voice \([^()]+, [^()]+\)"
)

#: A Piper voice file's name (``zh_CN-huayan-medium``; any name a user's own file has), with
#: an optional ``:speaker`` of a multi-speaker voice. Whether it is installed is asked when
#: the engine is made (``voice_store.resolve``), which says how to install it.
_PIPER_VOICE = re.compile(r"[\w.+-]+(:[\w.+-]+)?")


def relative_value(name: str, value: str) -> int:
    """The signed number in an edge-style relative setting (``+10%`` -> 10), for engines
    that map it onto their own scale. ``value`` has passed :class:`VoiceSettings`."""
    unit = _RELATIVE[name][1]
    return int(value.removesuffix(unit))


@dataclass(frozen=True)
class VoiceSettings:
    """What a profile or the flags choose. ``rate``/``pitch``/``volume`` use edge-tts's
    relative notation (``+10%``, ``-5Hz``) so one profile format serves every engine.

    The one place voice settings are checked: every path in (CLI options, profile files,
    overrides, the library) builds one of these before any speech, so a bad value is a
    :class:`~audiobook.errors.ConfigError` (exit 2) whichever engine would have spoken it,
    not a refusal from one engine and a mid-build speech failure from another. The same
    notation is required of every engine because an ``auto`` profile reaches either.
    """

    engine: str
    voice: str
    rate: str = "+0%"
    pitch: str = "+0Hz"
    volume: str = "+0%"

    def __post_init__(self) -> None:
        for name in ("engine", "voice", "rate", "pitch", "volume"):
            if not isinstance(getattr(self, name), str):
                raise ConfigError(f"{name} must be text, not {getattr(self, name)!r}")
        for name, (pattern, unit, (low, high), example) in _RELATIVE.items():
            value = getattr(self, name)
            match = pattern.fullmatch(value)
            number = int(value.removesuffix(unit)) if match else None
            if number is None or not low <= number <= high:
                raise ConfigError(
                    f"{name} must be a signed relative value like {example}, from "
                    f"{low:+d}{unit} to {high:+d}{unit}, not {value!r}"
                )
        check_voice_name(self.engine, self.voice)



def check_voice_name(engine: str, voice: str) -> None:
    """Refuse a voice the named engine could never have (ConfigError), before any speech.

    An empty voice means the engine's default. Microsoft voices are checked for form here
    (whether the service offers one is asked once per build, see ``edge.check_voice``);
    espeak-ng voices against the language files the installed library has. Engines this
    module does not know (tests' scripted ones) name their voices as they like.
    """
    if not voice:
        return
    if engine in ("edge", "auto"):
        if not _EDGE_VOICE.fullmatch(voice):
            raise ConfigError(
                f"{voice!r} is not a Microsoft voice name (like zh-CN-YunyangNeural; "
                "`audiobook voices` lists them)"
            )
    elif engine == "piper":
        if not _PIPER_VOICE.fullmatch(voice):
            raise ConfigError(
                f"{voice!r} is not a Piper voice name (like zh_CN-huayan-medium, or "
                "NAME:SPEAKER for a multi-speaker voice; `audiobook voices --engine piper`)"
            )
    elif engine == "espeak":
        known = espeak_voice_names()
        if known and voice not in known:
            close = ", ".join(difflib.get_close_matches(voice, sorted(known), n=3))
            hint = f"; did you mean {close}?" if close else ""
            raise ConfigError(
                f"espeak-ng has no voice {voice!r}{hint} "
                "(`audiobook voices --engine espeak` lists them)"
            )


@functools.lru_cache(maxsize=1)
def espeak_voice_names() -> frozenset[str]:
    """The voice (language) files of the espeak-ng data the wheel carries; empty when it
    cannot be found, and the library itself then says what is wrong."""
    try:
        import espeakng_loader
    except ImportError:  # pragma: no cover - a core dependency
        return frozenset()
    lang_dir = os.path.join(espeakng_loader.get_data_path(), "lang")
    return frozenset(
        name for _root, _dirs, files in os.walk(lang_dir) for name in files if "." not in name
    )


@runtime_checkable
class Engine(Protocol):
    """A speech engine.

    ``synthesize`` must be safe to call from worker threads of one process (engines with
    global state serialise internally). It raises :class:`audiobook.errors.EngineError`
    subclasses; ``transient`` errors are retried by the scheduler.
    """

    name: str
    #: The settings it speaks with, as it was made with them: the one record of them a build
    #: passes on (to the scheduler, the cache key, worker processes, the build record).
    settings: VoiceSettings
    #: True when the engine cannot read digits/Latin itself and needs text normalisation.
    needs_normalised_text: bool
    #: Longest text (characters) one request may carry.
    max_chars: int
    #: How many requests may run at once (1 for engines with global state).
    concurrency: int

    def synthesize(self, text: str) -> Speech: ...

    def describe(self) -> str:
        """The voice as it should be recorded in the episode (e.g. ``zh-CN-YunyangNeural``)."""
        ...
