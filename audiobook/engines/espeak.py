"""Offline Mandarin through libespeak-ng, loaded from the ``espeakng-loader`` wheel.

No system package is needed: the wheel carries the shared library and its ``cmn`` data. We
call the library through ctypes (not the ``espeak-ng`` program) so word and sentence events
arrive with sample positions, which become the segment's boundaries.

libespeak-ng keeps global state, so one process synthesises one text at a time (a lock);
parallelism across cores is the scheduler's business (processes, not threads).
"""

from __future__ import annotations

import ctypes
import os
import threading
from dataclasses import dataclass

from audiobook.engines.base import VoiceSettings, relative_value
from audiobook.errors import EngineError
from audiobook.models import Boundary, Speech
from audiobook.text.polyphones import readings_digest, respell

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
#: espeak_Synth flag: read ``[[…]]`` as phonemes (how a polyphone's reading is given).
_PHONEMES = 0x100
_EVENT_WORD, _EVENT_SENTENCE, _EVENT_END, _EVENT_MSG_TERMINATED = 1, 2, 5, 6
_RATE, _VOLUME, _PITCH = 1, 2, 3
_DEFAULT_WPM = 175
#: Audio per callback. The library's default (60 ms) means a Python callback, and a wait for
#: the GIL, every 60 ms of speech; a second's worth costs a sixteenth of that.
_BUFFER_MS = 1000


class _Event(ctypes.Structure):
    _fields_ = (
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    )


_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass
class _Library:
    lib: ctypes.CDLL
    sample_rate: int
    callback: object  # keeps the ctypes callback alive


_lock = threading.Lock()
_loaded: _Library | None = None
_pcm = bytearray()
_events: list[tuple[int, int, int]] = []


def _on_audio(
    wav: ctypes._Pointer[ctypes.c_short], count: int, events: ctypes._Pointer[_Event]
) -> int:
    if count > 0:
        _pcm.extend(ctypes.string_at(wav, count * 2))
    i = 0
    while events[i].type != 0:
        ev = events[i]
        _events.append((ev.type, ev.text_position, ev.sample))
        i += 1
    return 0


def _library() -> _Library:
    global _loaded
    if _loaded is None:
        try:
            import espeakng_loader
        except ImportError as exc:  # pragma: no cover - a core dependency
            raise EngineError("the offline voice needs the espeakng-loader package") from exc
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data_parent = os.path.dirname(espeakng_loader.get_data_path())
        rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, data_parent.encode(), _INITIALIZE_DONT_EXIT
        )
        if rate <= 0:
            raise EngineError(f"libespeak-ng failed to initialise (data in {data_parent})")
        callback = _Callback(_on_audio)
        lib.espeak_SetSynthCallback(callback)
        _loaded = _Library(lib, rate, callback)
    return _loaded


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
        return _library().sample_rate

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
        with _lock:
            lib = _library()
            if lib.lib.espeak_SetVoiceByName(self.voice.encode()) != 0:
                raise EngineError(f"espeak-ng has no voice {self.voice!r}")
            lib.lib.espeak_SetParameter(_RATE, self._wpm, 0)
            lib.lib.espeak_SetParameter(_PITCH, self._pitch, 0)
            lib.lib.espeak_SetParameter(_VOLUME, self._volume, 0)
            _pcm.clear()
            _events.clear()
            data = told.encode("utf-8")
            status = lib.lib.espeak_Synth(
                data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _PHONEMES, None, None
            )
            if status != 0:
                raise EngineError(f"espeak-ng failed (status {status}) on {text[:30]!r}")
            pcm, events = bytes(_pcm), list(_events)
        events = [(kind, _origin(origin, pos), sample) for kind, pos, sample in events]
        return Speech(pcm, lib.sample_rate, _boundaries(text, events, lib.sample_rate, len(pcm)))


def _origin(origin: list[int], pos: int) -> int:
    """A 1-based position in the told text -> the 1-based position in the original."""
    return origin[min(max(pos - 1, 0), len(origin) - 1)] + 1


def _boundaries(
    text: str, events: list[tuple[int, int, int]], rate: int, nbytes: int
) -> tuple[Boundary, ...]:
    """Turn espeak's word events (1-based character positions) into timed words."""
    words = [(pos, sample) for kind, pos, sample in events if kind == _EVENT_WORD]
    end_sample = nbytes // 2
    out = []
    for i, (pos, sample) in enumerate(words):
        next_pos, next_sample = words[i + 1] if i + 1 < len(words) else (len(text) + 1, end_sample)
        word = text[pos - 1 : next_pos - 1].strip()
        if word:
            out.append(Boundary("word", word, sample / rate, next_sample / rate))
    return tuple(out)


def list_voices(locale: str | None = None) -> list[dict[str, str]]:
    """espeak-ng's language voices from its data folder (``cmn``, ``yue``…), by locale prefix."""
    import espeakng_loader

    lang_dir = os.path.join(espeakng_loader.get_data_path(), "lang")
    names = sorted(
        name for _root, _dirs, files in os.walk(lang_dir) for name in files if "." not in name
    )
    chinese = {"cmn": "zh-CN", "cmn-latn-pinyin": "zh-CN", "yue": "zh-HK", "hak": "zh-CN"}
    rows = [{"name": n, "locale": chinese.get(n, n), "gender": ""} for n in names]
    if locale:
        want = locale.lower()
        rows = [r for r in rows if r["locale"].lower().startswith(want.split("-")[0])]
    return rows


def phonemes(text: str, voice: str = "cmn") -> str:
    """espeak-ng's own reading of ``text`` in its phoneme mnemonics (its word-level G2P).

    Used to check polyphones (行长, 重庆, 借调 …) against what a listener expects; see
    ``bench/g2p.py`` and the engine tests.
    """
    with _lock:
        lib = _library().lib
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        lib.espeak_TextToPhonemes.argtypes = [
            ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int,
        ]  # fmt: skip
        if lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise EngineError(f"espeak-ng has no voice {voice!r}")
        buffer = ctypes.create_string_buffer(text.encode("utf-8"))
        pointer = ctypes.c_void_p(ctypes.addressof(buffer))
        out = []
        while pointer.value:
            chunk = lib.espeak_TextToPhonemes(ctypes.byref(pointer), _CHARS_UTF8, 0)
            if chunk:
                out.append(chunk.decode("utf-8"))
        return " ".join(out)
