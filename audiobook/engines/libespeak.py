"""The libespeak-ng binding: the shared library from the ``espeakng-loader`` wheel, called
through ctypes (not the ``espeak-ng`` program) so word and sentence events arrive with sample
positions. libespeak-ng keeps global state, so one text at a time (a lock).

Apart from :mod:`audiobook.engines.espeak` (the engine), the text front end uses
:func:`phonemes` to compare espeak-ng's readings with pypinyin's (:mod:`audiobook.text.polyphones`).
"""

from __future__ import annotations

import ctypes
import os
import threading
from dataclasses import dataclass

from audiobook.errors import EngineError

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
#: espeak_Synth flag: read ``[[…]]`` as phonemes (how a polyphone's reading is given).
_PHONEMES = 0x100
EVENT_WORD, _EVENT_SENTENCE, _EVENT_END, _EVENT_MSG_TERMINATED = 1, 2, 5, 6
_RATE, _VOLUME, _PITCH = 1, 2, 3
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


def _on_audio(wav, count, events):  # type: ignore[no-untyped-def]
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


def sample_rate() -> int:
    """The rate libespeak-ng speaks at (it initialises the library)."""
    return _library().sample_rate


def speak(
    told: str, voice: str, *, wpm: int, pitch: int, volume: int, quoted: str
) -> tuple[bytes, list[tuple[int, int, int]], int]:
    """Speak ``told`` (``[[…]]`` read as phonemes): its PCM, its events (kind, 1-based
    character position, sample) and the sample rate. ``quoted`` names the text in errors."""
    with _lock:
        lib = _library()
        if lib.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise EngineError(f"espeak-ng has no voice {voice!r}")
        lib.lib.espeak_SetParameter(_RATE, wpm, 0)
        lib.lib.espeak_SetParameter(_PITCH, pitch, 0)
        lib.lib.espeak_SetParameter(_VOLUME, volume, 0)
        _pcm.clear()
        _events.clear()
        data = told.encode("utf-8")
        status = lib.lib.espeak_Synth(
            data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _PHONEMES, None, None
        )
        if status != 0:
            raise EngineError(f"espeak-ng failed (status {status}) on {quoted[:30]!r}")
        return bytes(_pcm), list(_events), lib.sample_rate


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
