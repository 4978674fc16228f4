"""The one protocol every voice engine speaks: text in, PCM and timings out.

Adding an engine is one new module in this package plus a profile in ``voices/``; the
scheduler (:mod:`audiobook.synth`), cache and assembler only see this protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from audiobook.models import Speech


@dataclass(frozen=True)
class VoiceSettings:
    """What a profile or the flags choose. ``rate``/``pitch``/``volume`` use edge-tts's
    relative notation (``+10%``, ``-5Hz``) so one profile format serves every engine."""

    engine: str
    voice: str
    rate: str = "+0%"
    pitch: str = "+0Hz"
    volume: str = "+0%"

    def cache_key_parts(self) -> tuple[str, ...]:
        return (self.engine, self.voice, self.rate, self.pitch, self.volume)


@runtime_checkable
class Engine(Protocol):
    """A speech engine.

    ``synthesize`` must be safe to call from worker threads of one process (engines with
    global state serialise internally). It raises :class:`audiobook.errors.EngineError`
    subclasses; ``transient`` errors are retried by the scheduler.
    """

    name: str
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
