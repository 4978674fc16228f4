"""Offline Mandarin through libespeak-ng, loaded from the ``espeakng-loader`` wheel.

No system package is needed: the wheel carries the shared library and its ``cmn`` data. We
call the library through ctypes (not the ``espeak-ng`` program) so word and sentence events
arrive with sample positions, which become the segment's boundaries.

libespeak-ng keeps global state, so one process synthesises one text at a time (a lock);
parallelism across cores is the scheduler's business (processes, not threads).
"""

from __future__ import annotations

from audiobook.engines.base import VoiceSettings, relative_value
from audiobook.engines.libespeak import EVENT_WORD, list_voices, phonemes, sample_rate, speak
from audiobook.models import Boundary, Speech
from audiobook.text.polyphones import readings_digest, respell

__all__ = ["EspeakEngine", "list_voices", "phonemes"]

#: Words a minute at rate +0%.
_DEFAULT_WPM = 175


class EspeakEngine:
    """espeak-ng's Mandarin voice (``cmn``): robotic but always there, and fast."""

    name = "espeak"
    needs_normalised_text = True
    max_chars = 400
    concurrency = 1

    def __init__(self, settings: VoiceSettings) -> None:
        self.settings = settings
        self.voice = settings.voice or "cmn"
        # Map edge-style relative settings (checked by VoiceSettings) onto espeak's absolute
        # ones.
        rate = relative_value("rate", settings.rate)
        self._wpm = max(80, min(450, round(_DEFAULT_WPM * (1 + rate / 100))))
        self._pitch = max(0, min(100, 50 + relative_value("pitch", settings.pitch) // 2))
        self._volume = max(0, min(200, 100 + relative_value("volume", settings.volume)))

    @property
    def sample_rate(self) -> int:
        return sample_rate()

    @property
    def cache_variant(self) -> str:
        """Audio differs with the polyphone front end and the lexicon's readings it tells
        espeak-ng, so they are part of the cache key (old audio is not reused after either
        changes)."""
        return "polyphones-1:" + readings_digest()

    def describe(self) -> str:
        return f"espeak-ng:{self.voice}"

    def synthesize(self, text: str) -> Speech:
        # Polyphones espeak-ng would misread are given as phonemes (text/polyphones.py);
        # positions in what it is told map back to ``text`` for the word timings.
        told, origin = respell(text) if self.voice == "cmn" else (text, list(range(len(text) + 1)))
        pcm, events, rate = speak(
            told,
            self.voice,
            wpm=self._wpm,
            pitch=self._pitch,
            volume=self._volume,
            quoted=text,
        )
        events = [(kind, _origin(origin, pos), sample) for kind, pos, sample in events]
        return Speech(pcm, rate, _boundaries(text, events, rate, len(pcm)))


def _origin(origin: list[int], pos: int) -> int:
    """A 1-based position in the told text -> the 1-based position in the original."""
    return origin[min(max(pos - 1, 0), len(origin) - 1)] + 1


def _boundaries(
    text: str, events: list[tuple[int, int, int]], rate: int, nbytes: int
) -> tuple[Boundary, ...]:
    """Turn espeak's word events (1-based character positions) into timed words."""
    words = [(pos, sample) for kind, pos, sample in events if kind == EVENT_WORD]
    end_sample = nbytes // 2
    out = []
    for i, (pos, sample) in enumerate(words):
        next_pos, next_sample = words[i + 1] if i + 1 < len(words) else (len(text) + 1, end_sample)
        word = text[pos - 1 : next_pos - 1].strip()
        if word:
            out.append(Boundary("word", word, sample / rate, next_sample / rate))
    return tuple(out)
