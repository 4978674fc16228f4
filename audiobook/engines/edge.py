"""Microsoft's neural voices through the ``edge_tts`` client (the Edge read-aloud service).

What this module adds to ``edge_tts``:

* **Failure classes the scheduler can act on.** Every failure becomes an
  :class:`EdgeServiceError` whose ``transient`` flag says whether trying again can help
  (dropped or refused connections, timeouts, "no audio", 403, 429, 5xx) or not (a 404 from a
  wrong endpoint). Retrying is :mod:`audiobook.synth`'s job, not ours.
* **Truncation detection.** When the connection drops mid-stream, ``edge_tts`` ends the stream
  quietly and returns the partial audio. It books audio bytes into
  ``state["cumulative_audio_bytes"]`` only when ``turn.end`` arrives, so audio received but not
  booked means the turn never ended. As a second, version-independent check, audio shorter than
  the last boundary the service announced is truncated too.
* **An endpoint override** (``AUDIOBOOK_EDGE_ENDPOINT``) for tests and relays. ``edge_tts``
  builds its URL from the module constant ``edge_tts.communicate.WSS_URL`` at connect time,
  so we swap that constant while our requests run and put it back after (reference-counted,
  so concurrent requests share one override and nothing leaks to other callers).
* PCM out: the service's MP3 is decoded with ffmpeg so every engine hands the assembler the
  same thing.

The neural voices read digits, dates, percentages and Latin words themselves, and in context
(``2024年`` as a year, ``3.5%`` as 百分之三点五), better than rule-based normalisation that
loses that context; so ``needs_normalised_text`` is False.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import hashlib
import json
import math
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import aiohttp
import edge_tts
import edge_tts.communicate
import edge_tts.voices
from edge_tts.exceptions import EdgeTTSException, NoAudioReceived, SkewAdjustmentError

from audiobook.engines.base import VoiceSettings
from audiobook.errors import ConfigError, EngineError
from audiobook.models import Boundary, Speech

ENDPOINT_ENV = "AUDIOBOOK_EDGE_ENDPOINT"
VOICES_URL_ENV = "AUDIOBOOK_EDGE_VOICES_URL"
DEFAULT_VOICE = "zh-CN-YunyangNeural"
#: The service speaks 24 kHz mono MP3 (``audio-24khz-48kbitrate-mono-mp3``).
SAMPLE_RATE = 24_000
_TICKS_PER_SECOND = 10_000_000
#: Audio may end this much before the last announced boundary before we call it truncated
#: (decoders and the service round differently; a real cut loses far more).
_TRUNCATION_TOLERANCE_S = 0.1
#: Text with nothing to pronounce: the service answers it with no audio, every time.
_SPEAKABLE = re.compile(r"\w")

_ORIGINAL_WSS_URL: str = edge_tts.communicate.WSS_URL
_ORIGINAL_VOICE_LIST: str = edge_tts.voices.VOICE_LIST


class EdgeServiceError(EngineError):
    """The service failed one request. ``transient``: trying again may help; ``down``: the
    service looks down rather than flaky (see :class:`~audiobook.errors.EngineError`)."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        down: bool = False,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.down = down
        self.retry_after_s = retry_after_s


# -- endpoint override ----------------------------------------------------------------------

_swap_cond = threading.Condition()
_swap_users: dict[tuple[int, str], int] = {}
_saved: dict[tuple[int, str], Any] = {}


@contextlib.contextmanager
def _module_constant(module: ModuleType, attr: str, value: str) -> Iterator[None]:
    """Set ``module.attr`` to ``value`` while any caller needs that value.

    Concurrent callers wanting the same value share it; one wanting another value waits until
    the others are done, so a request can never go to someone else's endpoint.
    """
    key = (id(module), attr)
    with _swap_cond:
        while _swap_users.get(key) and getattr(module, attr) != value:
            _swap_cond.wait()
        if not _swap_users.get(key):
            _swap_users[key] = 0
            _saved[key] = getattr(module, attr)
            setattr(module, attr, value)
        _swap_users[key] += 1
    try:
        yield
    finally:
        with _swap_cond:
            _swap_users[key] -= 1
            if not _swap_users[key]:
                setattr(module, attr, _saved.pop(key))
                _swap_cond.notify_all()


def endpoint_from_env() -> str | None:
    """The override URL, validated: the client appends ``&ConnectionId=…`` to it."""
    url = os.environ.get(ENDPOINT_ENV, "").strip()
    if not url:
        return None
    if not re.match(r"^wss?://[^/?#]+", url) or "?" not in url:
        raise ConfigError(
            f"{ENDPOINT_ENV} must be a ws:// or wss:// URL that carries its query string "
            f"(like …/edge/v1?TrustedClientToken=…), got {url!r}"
        )
    return url


# -- the engine -----------------------------------------------------------------------------


class EdgeEngine:
    """One Microsoft neural voice; ``synthesize`` is thread-safe (one event loop per call)."""

    name = "edge"
    needs_normalised_text = False
    #: edge_tts splits requests above 4096 bytes of *escaped* UTF-8; the worst character
    #: (``&`` → ``&amp;``) costs 5 bytes, so 800 characters always fit one request, and at
    #: ~4-5 characters a second stay far from the service's 10-minute audio cut.
    max_chars = 800
    sample_rate = SAMPLE_RATE

    def __init__(
        self,
        settings: VoiceSettings,
        *,
        concurrency: int = 4,
        boundary: Literal["word", "sentence"] = "word",
        endpoint: str | None = None,
        connect_timeout_s: int = 10,
        receive_timeout_s: int = 30,
        request_timeout_s: float | None = None,
    ) -> None:
        self.settings = settings
        self.voice = settings.voice or DEFAULT_VOICE
        if concurrency < 1:
            raise ConfigError(f"concurrency must be at least 1, got {concurrency}")
        #: Four connections keep a long article moving; the service throttles (429) clients
        #: that open dozens at once.
        self.concurrency = concurrency
        self.boundary = boundary
        #: Word and sentence boundaries cache differently (see audiobook.synth.cache_key).
        self.cache_variant = f"boundary={boundary}"
        self.endpoint = endpoint or endpoint_from_env() or _ORIGINAL_WSS_URL
        self.connect_timeout_s = connect_timeout_s
        self.receive_timeout_s = receive_timeout_s
        self.request_timeout_s = request_timeout_s
        # The settings were checked once, by VoiceSettings, in edge_tts's own notation.

    def describe(self) -> str:
        return self.voice

    def synthesize(self, text: str) -> Speech:
        if not _SPEAKABLE.search(text):
            # Punctuation alone makes the service answer with no audio on every attempt.
            return Speech(b"", SAMPLE_RATE, ())
        timeout = self.request_timeout_s or 30 + 0.25 * len(text)
        with _module_constant(edge_tts.communicate, "WSS_URL", self.endpoint):
            try:
                mp3, raw, complete = asyncio.run(self.fetch(text, timeout))
            except Exception as exc:
                error = _classify(exc, _host(self.endpoint), timeout)
                if error is None:
                    raise
                raise error from exc
        boundaries = _boundaries(text, raw, self.boundary)
        if not complete:
            raise EdgeServiceError(
                "the connection ended before the service finished (truncated audio)",
                transient=True,
            )
        pcm = _decode(mp3)
        duration = len(pcm) / 2 / SAMPLE_RATE
        last_end = max((b.end_s for b in boundaries), default=0.0)
        if duration + _TRUNCATION_TOLERANCE_S < last_end:
            raise EdgeServiceError(
                f"truncated audio: {duration:.2f} s, but the service timed words up to "
                f"{last_end:.2f} s",
                transient=True,
            )
        return Speech(pcm, SAMPLE_RATE, boundaries)

    def _communicate(self, text: str) -> edge_tts.Communicate:
        return edge_tts.Communicate(
            text,
            self.voice,
            rate=self.settings.rate,
            volume=self.settings.volume,
            pitch=self.settings.pitch,
            boundary="WordBoundary" if self.boundary == "word" else "SentenceBoundary",
            connect_timeout=self.connect_timeout_s,
            receive_timeout=self.receive_timeout_s,
        )

    async def fetch(self, text: str, timeout: float) -> tuple[bytes, list[dict[str, Any]], bool]:
        """MP3 bytes, raw boundary messages, and whether every turn really ended."""
        comm = self._communicate(text)
        audio = bytearray()
        metadata: list[dict[str, Any]] = []

        async def consume() -> None:
            async for chunk in comm.stream():
                if chunk["type"] == "audio":
                    audio.extend(chunk["data"])
                else:
                    metadata.append(dict(chunk))

        await asyncio.wait_for(consume(), timeout)
        booked = comm.state.get("cumulative_audio_bytes")
        complete = booked is None or booked == len(audio)
        return bytes(audio), metadata, complete


def _boundaries(
    text: str, raw: list[dict[str, Any]], mode: Literal["word", "sentence"]
) -> tuple[Boundary, ...]:
    out = []
    for item in raw:
        kind = "word" if item["type"] == "WordBoundary" else "sentence"
        start = item["offset"] / _TICKS_PER_SECOND
        out.append(
            Boundary(kind, item["text"], start, start + item["duration"] / _TICKS_PER_SECOND)
        )
    words = [b for b in out if b.kind == "word"]
    if mode == "word" and words:
        # The service sends one kind per request; a segment is one sentence, so its
        # sentence boundary is the span of its words and transcripts get both.
        out.append(Boundary("sentence", text.strip(), words[0].start_s, words[-1].end_s))
    return tuple(out)


def _decode(mp3: bytes) -> bytes:
    from audiobook.audio import decode_to_pcm

    try:
        pcm, _ = decode_to_pcm(mp3, sample_rate=SAMPLE_RATE)
    except EngineError as exc:
        # Garbage from the wire is the service's hiccup, not a reason to give up.
        raise EdgeServiceError(
            f"undecodable audio from the service: {exc}", transient=True
        ) from exc
    return pcm


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _host(url: str) -> str:
    return re.sub(r"^[a-z]+://([^/?#]+).*$", r"\1", url)


def _classify(exc: BaseException, host: str, timeout: float) -> EdgeServiceError | None:
    """Name the cause in words a producer can act on, and say whether to try again and
    whether it is what a service that is down looks like.

    ``down``: the service cannot be reached (refused, no such host), refuses us (401/403,
    also after edge_tts has corrected its clock), or answers with no audio. Before anything
    has been spoken a run of these ends the build fast. A dropped stream, truncated audio, a
    timeout, 429 or 5xx are a service that is there but struggling: retried while it makes
    progress elsewhere (see :mod:`audiobook.synth`).

    None for exceptions that are our bugs, not the service's: those keep their traceback.
    """
    if isinstance(exc, EdgeServiceError):
        return exc
    if isinstance(exc, aiohttp.ClientResponseError):
        status = exc.status
        hint = {
            401: " (unauthorised: the service no longer takes this client's token)",
            403: " (token refused; edge-tts already corrected the clock once)",
            429: " (too many requests: lower the concurrency)",
        }.get(status, "")
        return EdgeServiceError(
            f"the speech service at {host} answered HTTP {status}{hint}",
            transient=status in (403, 408, 429) or status >= 500,
            down=status in (401, 403, 407),
            retry_after_s=_retry_after(exc.headers),
        )
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return EdgeServiceError(
            f"no complete answer from {host} within {timeout:g} s", transient=True
        )
    if isinstance(exc, aiohttp.ClientConnectorError):
        # Refused, unreachable, or no such host (ClientConnectorDNSError): nobody is there.
        return EdgeServiceError(
            f"cannot connect to {host}: {exc.os_error}", transient=True, down=True
        )
    if isinstance(exc, (aiohttp.ClientError, ConnectionError, OSError)):
        return EdgeServiceError(f"connection to {host} lost: {exc}", transient=True)
    if isinstance(exc, NoAudioReceived):
        # The service also answers a well-formed but unknown voice name this way.
        return EdgeServiceError(
            "the speech service sent no audio (an outage, or a voice it does not have: "
            "see `audiobook voices`)",
            transient=True,
            down=True,
        )
    if isinstance(exc, SkewAdjustmentError):
        return EdgeServiceError(f"token refused (403) and {exc}", transient=True, down=True)
    if isinstance(exc, EdgeTTSException):
        return EdgeServiceError(f"unexpected answer from the service: {exc}", transient=True)
    return None


# -- reachability ---------------------------------------------------------------------------


def probe(timeout_s: float = 4.0, *, voice: str = DEFAULT_VOICE) -> bool:
    """Does the service (or the override) speak a short phrase within ``timeout_s``?

    A real round trip rather than a TCP connect: during the service's "no audio" outages the
    handshake succeeds and nothing is spoken, and ``auto`` must then choose the offline voice.
    """
    # A malformed override is the user's mistake to hear about, not a reason to go offline.
    engine = EdgeEngine(
        VoiceSettings("edge", voice),
        connect_timeout_s=max(1, math.ceil(timeout_s)),
        receive_timeout_s=max(1, math.ceil(timeout_s)),
    )
    # A refused connection answers at once, so try a few times inside the budget: one dropped
    # or silent answer from a flaky relay should not send a whole build to the offline voice.
    deadline = time.monotonic() + timeout_s
    for _attempt in range(3):
        left = deadline - time.monotonic()
        if left <= 0.2:
            break
        try:
            with _module_constant(edge_tts.communicate, "WSS_URL", engine.endpoint):
                mp3, _, complete = asyncio.run(engine.fetch("你好。", left))
        except Exception:
            continue
        if complete and mp3:
            return True
    return False


# -- voices ---------------------------------------------------------------------------------


class VoiceList(list):  # type: ignore[type-arg]
    """Voices (the service's dicts) plus where they came from.

    ``note`` is None when the list is fresh from the service; otherwise it says why the
    cached copy is shown (offline, or fresh enough not to ask), for the CLI to print.
    """

    def __init__(self, voices: list[dict[str, Any]], *, from_cache: bool, note: str | None) -> None:
        super().__init__(voices)
        self.from_cache = from_cache
        self.note = note


def voices_url() -> str:
    return os.environ.get(VOICES_URL_ENV, "").strip() or _ORIGINAL_VOICE_LIST


def list_voices(
    locale: str | None = None,
    *,
    cache_dir: Path,
    max_age_s: float = 7 * 24 * 3600,
    refresh: bool = False,
    timeout_s: float = 10.0,
) -> VoiceList:
    """The service's voices (optionally one locale or language, e.g. ``zh-CN`` or ``zh``).

    The list changes rarely and listing must work on a train: a copy younger than
    ``max_age_s`` is used without asking; otherwise the service is asked and the copy
    refreshed; when it cannot be reached the old copy is shown and ``note`` says so.
    """
    url = voices_url()
    base = url.split("?", 1)[0]
    cache_file = cache_dir / f"edge-voices-{hashlib.sha256(base.encode()).hexdigest()[:12]}.json"
    cached = _read_voice_cache(cache_file)
    now = time.time()
    if cached and not refresh and now - cached[0] < max_age_s:
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(cached[0]))
        return _filter(cached[1], locale, from_cache=True, note=f"cached list from {stamp}")
    try:
        with _module_constant(edge_tts.voices, "VOICE_LIST", url):
            voices = asyncio.run(asyncio.wait_for(edge_tts.voices.list_voices(), timeout_s))
    except Exception as exc:
        reason = str(_classify(exc, _host(url), timeout_s) or exc)
        if cached is None:
            raise EngineError(
                f"cannot list edge voices: {reason}; no cached list in {cache_dir}"
            ) from exc
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(cached[0]))
        return _filter(
            cached[1], locale, from_cache=True, note=f"offline ({reason}); cached list from {stamp}"
        )
    voices = [dict(v) for v in voices]
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_file.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps({"fetched_at": now, "source": base, "voices": voices}), "utf-8")
    tmp.replace(cache_file)
    return _filter(voices, locale, from_cache=False, note=None)


def check_voice(voice: str, *, cache_dir: Path, timeout_s: float = 5.0) -> None:
    """Refuse a voice the service does not offer, before any text is sent.

    The service answers an unknown voice with silence, which reads like an outage: the build
    would retry every sentence and then blame the network. The voice list is the one
    ``audiobook voices`` keeps (fetched when it is missing or a week old); a voice missing
    from a cached copy is looked up again in a fresh one before it is refused (the service
    adds voices). When no list can be had, nothing is said: the build finds out itself.
    """
    try:
        voices = list_voices(cache_dir=cache_dir, timeout_s=timeout_s)
        if not _offers(voices, voice) and voices.from_cache:
            voices = list_voices(cache_dir=cache_dir, timeout_s=timeout_s, refresh=True)
    except EngineError:
        return
    if _offers(voices, voice) or voices.from_cache:
        return
    names = sorted({str(v.get("ShortName", "")) for v in voices} - {""})
    close = difflib.get_close_matches(voice, names, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ConfigError(
        f"the speech service has no voice {voice!r}{hint} (`audiobook voices` lists them)"
    )


def _offers(voices: list[dict[str, Any]], voice: str) -> bool:
    return any(voice in (v.get("ShortName"), v.get("Name")) for v in voices)


def _read_voice_cache(path: Path) -> tuple[float, list[dict[str, Any]]] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
        return float(data["fetched_at"]), list(data["voices"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _filter(
    voices: list[dict[str, Any]], locale: str | None, *, from_cache: bool, note: str | None
) -> VoiceList:
    if locale:
        want = locale.lower()
        voices = [
            v
            for v in voices
            if str(v.get("Locale", "")).lower() == want
            or str(v.get("Locale", "")).lower().split("-")[0] == want
        ]
    voices = sorted(voices, key=lambda v: str(v.get("ShortName", "")))
    return VoiceList(voices, from_cache=from_cache, note=note)
