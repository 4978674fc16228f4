"""Neural offline voices: Piper's VITS models through the ``piper-tts`` library (onnxruntime).

A voice is a ``NAME.onnx`` model with its ``NAME.onnx.json`` config, installed once into the
per-user data folder (:mod:`audiobook.voice_store`, ``audiobook voices install``); after that
no network is needed. The library is an optional extra (``pip install "audiobook[piper]"``):
onnxruntime and numpy are some 130 MB installed, and piper-tts is GPL-3.0, so the tool does
not carry them unasked.

* **Text.** A Mandarin voice (``zh_*``) gets the normalised text espeak-ng gets (numbers,
  dates, Latin read out in Chinese): Piper's Mandarin voices are trained on espeak-ng ``cmn``
  phonemes, which read digits one way only. Voices of other languages get the text as is.
* **Timings.** The text is cut at sentence ends and each piece synthesised on its own, so a
  piece's place in the audio is a sample count, never a guess; pieces become ``sentence``
  boundaries (the model has no word alignment unless patched, which needs ``onnx``).
* **Settings.** ``rate`` maps onto the model's ``length_scale`` (+25% -> 1/1.25 of the
  voice's own); ``volume`` below +0% attenuates (loudness is normalised per episode anyway;
  above it would clip). VITS has no pitch control, so ``pitch`` is not applied, and
  ``describe`` says so when it is set. A multi-speaker voice takes its speaker after a colon,
  by name or number (``en_US-libritts_r-medium:p3922`` or ``…:12``).
* **Cores.** One onnxruntime session per process, shared by ``concurrency`` threads
  (``session.run`` is thread-safe and releases the GIL), each run on one intra-op thread: on
  two cores two runs at once cost a quarter less CPU per second of speech than one run on two
  intra-op threads, and one copy of the model is held rather than one per worker process
  (``bench/neural_voice.py --compare`` measures the three).
* **Memory.** A run's memory grows with its audio (the decoder's), so long sentences are
  spoken clause by clause (:data:`RUN_CHARS`) under one sentence timing.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from audiobook.cores import cpu_workers
from audiobook.engines.base import VoiceSettings, relative_value
from audiobook.errors import ConfigError, EngineError
from audiobook.models import Boundary, Speech
from audiobook.voice_store import VoiceFiles, data_dir, resolve

#: Where a text may be cut into separately timed pieces: after sentence-final punctuation
#: (and closing quotes that follow it).
_SENTENCE_END = re.compile(r"(?:[。！？!?；;…]+|\.(?=\s|$))[”’\"」』）)]*\s*")
#: Where a long sentence may be cut for the model: after clause punctuation.
_CLAUSE_END = re.compile(r"[，、,：:；;—]+[”’\"」』）)]*\s*")
#: Longest request the scheduler sends (it cuts longer sentences at commas first).
MAX_CHARS = 300
#: Longest run of the model, in characters: a VITS decoder's memory grows with the audio of
#: one run, some 20 MB a second of speech (measured: a 40-character Mandarin run peaks 210 MB
#: above the loaded voice, 100 characters 600 MB, 200 characters 1.3 GB). Longer sentences
#: are spoken clause by clause, so two runs at once stay under half a gigabyte. Latin script
#: speaks about four times as many characters a second as Chinese.
RUN_CHARS = {"zh": 40, "": 160}


def split_speaker(voice: str) -> tuple[str, str | None]:
    """``name:speaker`` -> (name, speaker); a plain name has no speaker."""
    name, _, speaker = voice.partition(":")
    return name, speaker or None


def speaker_id(files: VoiceFiles, speaker: str | None) -> int | None:
    """The model's speaker id for ``speaker`` (a name in its map, or a number), None for
    the voice's default; ConfigError for a speaker the voice does not have."""
    if speaker is None:
        return None
    if not files.speakers:
        raise ConfigError(f"{files.name} has one speaker; drop ':{speaker}' from the voice")
    if speaker in files.speakers:
        return files.speakers[speaker]
    if speaker.isdigit() and int(speaker) in files.speakers.values():
        return int(speaker)
    some = ", ".join(sorted(files.speakers)[:5])
    raise ConfigError(f"{files.name} has no speaker {speaker!r} (it has {some}, …)")


def pieces(text: str) -> list[str]:
    """``text`` cut after each sentence end, every character kept (so timings cover it all)."""
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() > start and text[start : match.end()].strip():
            out.append(text[start : match.end()])
            start = match.end()
    if text[start:].strip():
        out.append(text[start:])
    elif out:
        out[-1] += text[start:]
    return out


def clauses(sentence: str, limit: int) -> list[str]:
    """``sentence`` cut after clause punctuation into runs of at most ``limit`` characters
    where it can be (a clause longer than that is cut at ``limit``); every character kept."""
    if len(sentence) <= limit:
        return [sentence]
    cuts = [m.end() for m in _CLAUSE_END.finditer(sentence) if m.end() < len(sentence)]
    out, start = [], 0
    while len(sentence) - start > limit:
        fitting = [c for c in cuts if start < c <= start + limit]
        end = fitting[-1] if fitting else start + limit
        out.append(sentence[start:end])
        start = end
    out.append(sentence[start:])
    return out


def _cores() -> int:
    return cpu_workers()


class PiperEngine:
    """A Piper voice, installed with ``audiobook voices install``; neural, offline."""

    name = "piper"
    max_chars = MAX_CHARS

    def __init__(
        self,
        settings: VoiceSettings,
        *,
        files: VoiceFiles | None = None,
        concurrency: int | None = None,
        intra_op_threads: int = 1,
    ) -> None:
        self.settings = settings
        voice, speaker = split_speaker(settings.voice)
        if files is None:
            files = resolve(voice)
        self.files = files
        self.speaker = speaker_id(files, speaker)
        self.needs_normalised_text = files.mandarin
        self.run_chars = RUN_CHARS["zh" if files.mandarin else ""]
        self.concurrency = max(1, concurrency or _cores())
        self.intra_op_threads = intra_op_threads
        rate = relative_value("rate", settings.rate)
        self._speed = 1 + rate / 100  # 0.5 .. 2.0 (VoiceSettings bounds the rate)
        self._volume = min(1.0, 1 + relative_value("volume", settings.volume) / 100)
        self._voice: Any = None
        self._load_lock = threading.Lock()

    @property
    def sample_rate(self) -> int:
        return self.files.sample_rate

    @property
    def cache_variant(self) -> str:
        """The model file's identity: reinstalling a different model under the same name
        must not reuse the old one's audio."""
        stat = self.files.model.stat()
        return f"piper-1:{stat.st_size}:{stat.st_mtime_ns}:{self.speaker}"

    def describe(self) -> str:
        speaker = f":{self.speaker}" if self.speaker is not None else ""
        unapplied = " (pitch not applied)" if relative_value("pitch", self.settings.pitch) else ""
        return f"piper:{self.files.name}{speaker}{unapplied}"

    def _loaded(self) -> Any:
        """The voice, loaded on first use (a worker that is never asked loads nothing)."""
        with self._load_lock:
            if self._voice is None:
                self._voice = _load(self.files, self.intra_op_threads)
            return self._voice

    def synthesize(self, text: str) -> Speech:
        import numpy as np
        from piper import SynthesisConfig

        voice = self._loaded()
        config = SynthesisConfig(
            speaker_id=self.speaker,
            length_scale=voice.config.length_scale / self._speed,
            volume=self._volume,
        )
        rate = self.files.sample_rate
        audio: list[Any] = []
        boundaries = []
        at = 0
        for piece in pieces(text):
            chunks = []
            for run in clauses(piece, self.run_chars):
                if not run.strip():
                    continue
                try:
                    chunks += [c.audio_int16_array for c in voice.synthesize(run, config)]
                except Exception as exc:  # onnxruntime and the phonemisers: their own types
                    raise EngineError(f"Piper failed on {run[:30]!r}: {exc}") from exc
            samples = sum(len(c) for c in chunks)
            if samples:
                audio += chunks
                end = (at + samples) / rate
                boundaries.append(Boundary("sentence", piece.strip(), at / rate, end))
                at += samples
        if not at and text.strip() and any(ch.isalnum() for ch in text):
            raise EngineError(f"Piper spoke nothing for {text[:30]!r}")
        pcm = np.concatenate(audio).astype("<i2").tobytes() if audio else b""
        return Speech(pcm, rate, tuple(boundaries))


def _load(files: VoiceFiles, intra_op_threads: int) -> Any:
    """A ``PiperVoice`` on an onnxruntime session with ``intra_op_threads`` threads (the
    library's own ``load`` takes every core for each run, which fights our worker threads)."""
    try:
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig
    except ImportError as exc:
        raise ConfigError(
            'Piper voices need the piper extra: pip install "audiobook[piper]"'
        ) from exc
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = intra_op_threads
    options.inter_op_num_threads = 1
    try:
        session = onnxruntime.InferenceSession(
            str(files.model), sess_options=options, providers=["CPUExecutionProvider"]
        )
        config = PiperConfig.from_dict(json.loads(files.config.read_text("utf-8")))
    except Exception as exc:  # onnxruntime's own error types: a damaged or foreign file
        raise ConfigError(f"{files.model}: not a Piper voice model ({exc})") from exc
    # Where the library keeps what it fetches for some languages (g2pW for pinyin voices):
    # our data folder, never the working directory.
    return PiperVoice(session=session, config=config, download_dir=data_dir() / "piper")


def check_loads(files: VoiceFiles) -> None:
    """Load a voice and speak one word with it, so an install is refused rather than a
    later build failing (a truncated model, a config from another voice)."""
    engine = PiperEngine(VoiceSettings("piper", ""), files=files, concurrency=1)
    word = "你好。" if files.mandarin else "Hello."
    try:
        speech = engine.synthesize(word)
    except EngineError as exc:
        raise ConfigError(f"{files.model}: the voice does not speak ({exc})") from None
    if not speech.pcm:
        raise ConfigError(f"{files.model}: the voice spoke nothing")


def phonemes(text: str, espeak_voice: str = "cmn") -> list[list[str]]:
    """The phonemes (by sentence) a Piper espeak-type voice is given for ``text``: Piper's
    own bundled espeak-ng, the reading its Mandarin voices were trained on."""
    from piper.phonemize_espeak import ESPEAK_DATA_DIR, EspeakPhonemizer

    return EspeakPhonemizer(ESPEAK_DATA_DIR).phonemize(espeak_voice, text)
