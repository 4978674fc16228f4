"""A stand-in for Microsoft's read-aloud speech service, on 127.0.0.1.

The real service is unreachable from CI, and the failures we must survive (dropped streams,
"no audio" outages, 403 clock-skew rejections, 429 throttling) cannot be provoked on demand
there. This fake speaks the same websocket protocol to the real ``edge_tts`` client and
answers with *real* MP3: the requested text spoken by espeak-ng, re-encoded as the service's
``audio-24khz-48kbitrate-mono-mp3``. Durations therefore depend on the text and the word
boundaries it reports agree with the audio, so tests can check timing end to end.

Protocol (what ``edge_tts.communicate`` expects):
client → ``Path:speech.config`` (JSON), then ``Path:ssml``;
server → ``Path:turn.start``, ``Path:audio.metadata`` (boundaries, 100-ns ticks), binary frames
(2-byte big-endian header length, headers with ``Path:audio``, MP3 bytes), ``Path:turn.end``.

Use it from tests through the fixtures in :mod:`tests.fakes.fixtures`, or by hand::

    python -m tests.fakes.edge_service --port 8765 --drop-rate 0.2 --no-audio-rate 0.1 \
        --forbidden-rate 0.05 --delay-rate 0.2 --delay 1.5

Injected faults, drawn per connection from one seeded generator (a run is reproducible in
the faults it draws, if not in which sentence meets which): ``drop`` (the stream is cut
halfway: truncated audio), ``no_audio`` (turn.end without audio), ``403`` (the handshake is
refused, as the service refuses a token), ``delay`` (the first frame comes ``delay_s``
late, then the whole answer). :meth:`FakeEdgeService.set_faults` changes the mix of a
running fake, keeping its rendered audio, so a test can compare builds without re-rendering.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.utils
import json
import random
import re
import subprocess
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from aiohttp import WSMsgType, web
from edge_tts.drm import generate_sec_ms_gec_v2

from audiobook.audio import ffmpeg_exe

TICKS = 10_000_000
SAMPLE_RATE = 24_000
BYTES_PER_SECOND = 48_000 // 8
#: libmp3lame's encoder delay (576 + 529 samples): decoded audio starts this much late, so
#: boundaries are shifted by it to stay true to what a decoder hears.
ENCODER_DELAY_S = 1105 / SAMPLE_RATE
#: Audio bytes per binary frame: 10 MP3 frames (0.24 s), roughly what the real service sends.
CHUNK_BYTES = 1440

MODES = ("normal", "slow", "drop", "reset", "no_audio", "403", "429", "500", "hang", "delay")

VOICES = [
    {
        "Name": f"Microsoft Server Speech Text to Speech Voice ({locale}, {short})",
        "ShortName": f"{locale}-{short}",
        "Gender": gender,
        "Locale": locale,
        "SuggestedCodec": "audio-24khz-48kbitrate-mono-mp3",
        "FriendlyName": f"Microsoft {short[:-6]} Online (Natural) - {locale}",
        "Status": "GA",
        "VoiceTag": {"ContentCategories": ["News"], "VoicePersonalities": ["Reliable"]},
    }
    for locale, short, gender in [
        ("zh-CN", "YunyangNeural", "Male"),
        ("zh-CN", "XiaoxiaoNeural", "Female"),
        ("zh-CN", "YunxiNeural", "Male"),
        ("zh-CN", "XiaoyiNeural", "Female"),
        ("zh-TW", "HsiaoChenNeural", "Female"),
        ("en-US", "EmmaMultilingualNeural", "Female"),
    ]
]
KNOWN_VOICES = {v["Name"] for v in VOICES}


@dataclass
class Request:
    """One synthesis request as the fake understood it (for assertions)."""

    text: str
    voice: str
    rate: str
    pitch: str
    volume: str
    word_boundaries: bool
    mode: str


@dataclass
class Stats:
    handshakes: int = 0
    active: int = 0
    max_active: int = 0
    completed: int = 0
    modes: list[str] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    rejected_tokens: int = 0


@dataclass(frozen=True)
class Rendered:
    mp3: bytes
    #: (kind, text, start_s, end_s) in decoded-audio time.
    words: tuple[tuple[str, float, float], ...]


class _Slot:
    """One connection counted as active until it lets the client go.

    The count drops *before* the message that frees the client (turn.end, close, error
    status), so a client that opens its next connection only after the previous one ended
    can never be seen twice: the concurrency assertion is causal, not a race.
    """

    def __init__(self, stats: Stats, lock: threading.Lock) -> None:
        self._stats, self._lock, self._held = stats, lock, True
        with lock:
            stats.active += 1
            stats.max_active = max(stats.max_active, stats.active)

    def release(self) -> None:
        with self._lock:
            if self._held:
                self._held = False
                self._stats.active -= 1


class FakeEdgeService:
    """The fake service; ``start()`` runs it on a background thread with its own loop.

    Behaviour per connection: the next mode queued with :meth:`script`, else a random fault
    drawn with the configured rates (seeded, so a run is reproducible), else ``default_mode``.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        default_mode: str = "normal",
        drop_rate: float = 0.0,
        no_audio_rate: float = 0.0,
        forbidden_rate: float = 0.0,
        delay_rate: float = 0.0,
        delay_s: float = 1.0,
        seed: int = 1,
        slow_delay_s: float = 0.05,
        gate: int = 0,
        gate_timeout_s: float = 5.0,
        clock_skew_s: float = 0.0,
        retry_after_s: int | None = None,
        ffmpeg: str | None = None,
        pace: float = 0.0,
    ) -> None:
        if default_mode not in MODES:
            raise ValueError(f"unknown mode {default_mode!r}; one of {MODES}")
        self.host, self.port = host, port
        self.default_mode = default_mode
        self.slow_delay_s = slow_delay_s
        #: Hold each connection's answer until this many are open at once (or the timeout),
        #: so a test can prove requests really overlap without timing anything.
        self.gate, self.gate_timeout_s = gate, gate_timeout_s
        self._gate_open = gate <= 1
        #: The server's clock runs this far ahead of the machine's; tokens made for another
        #: five-minute window are refused with 403 and a Date header, as the service does.
        self.clock_skew_s = clock_skew_s
        self.retry_after_s = retry_after_s
        #: Seconds of service time per second of audio answered (0: as fast as it can): a
        #: network voice whose time is spent in the service, proportional to the speech, as
        #: the real one's is (benchmarks of scaling out measure against it).
        self.pace = pace
        self.stats = Stats()
        self._script: deque[str] = deque()
        self._lock = threading.Lock()
        self.set_faults(
            drop_rate=drop_rate, no_audio_rate=no_audio_rate, forbidden_rate=forbidden_rate,
            delay_rate=delay_rate, delay_s=delay_s, seed=seed,
        )  # fmt: skip
        self._ffmpeg = ffmpeg
        self._renders: dict[tuple[str, str, str, str], Rendered] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._stopping: asyncio.Event | None = None
        self._open: set[web.WebSocketResponse] = set()

    # -- control -----------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """A URL for ``AUDIOBOOK_EDGE_ENDPOINT``: carries its query string like the real one."""
        return (
            f"ws://{self.host}:{self.port}/consumer/speech/synthesize/readaloud/edge/v1"
            "?TrustedClientToken=6A5AA1D4EAFF4E9FB37E23D68491D6F4"
        )

    @property
    def voices_url(self) -> str:
        return f"http://{self.host}:{self.port}/voices/list?trustedclienttoken=fake"

    def set_faults(
        self,
        *,
        drop_rate: float = 0.0,
        no_audio_rate: float = 0.0,
        forbidden_rate: float = 0.0,
        delay_rate: float = 0.0,
        delay_s: float = 1.0,
        seed: int = 1,
    ) -> None:
        """The share of connections that meet each fault from now on, drawn from a generator
        seeded with ``seed`` (rates add up to at most 1)."""
        rates = (drop_rate, no_audio_rate, forbidden_rate, delay_rate)
        if any(r < 0 for r in rates) or sum(rates) > 1:
            raise ValueError(f"fault rates must be shares that add up to at most 1: {rates}")
        with self._lock:
            self.drop_rate, self.no_audio_rate = drop_rate, no_audio_rate
            self.forbidden_rate, self.delay_rate, self.delay_s = forbidden_rate, delay_rate, delay_s
            self._rng = random.Random(seed)

    def script(self, *modes: str) -> None:
        """Queue the behaviour of the next connections, in order."""
        for mode in modes:
            if mode not in MODES:
                raise ValueError(f"unknown mode {mode!r}; one of {MODES}")
        with self._lock:
            self._script.extend(modes)

    def start(self) -> FakeEdgeService:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve())
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-edge-service", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
        self._loop = None

    # -- server ------------------------------------------------------------------------

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        app = web.Application()
        app.router.add_get("/consumer/speech/synthesize/readaloud/edge/v1", self._speech)
        app.router.add_get("/voices/list", self._voices)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _shutdown(self) -> None:
        assert self._stopping is not None and self._runner is not None
        self._stopping.set()
        for ws in list(self._open):
            with contextlib.suppress(Exception):
                await ws.close()
        await self._runner.cleanup()

    def _next_mode(self) -> str:
        with self._lock:
            if self._script:
                return self._script.popleft()
            draw = self._rng.random()
            for mode, rate in (
                ("drop", self.drop_rate),
                ("no_audio", self.no_audio_rate),
                ("403", self.forbidden_rate),
                ("delay", self.delay_rate),
            ):
                if draw < rate:
                    return mode
                draw -= rate
            return self.default_mode

    def _server_now(self) -> float:
        return time.time() + self.clock_skew_s

    def _token_ok(self, token: str) -> bool:
        now = self._server_now()
        # Accept the neighbouring windows too: a client crossing a 5-minute boundary
        # mid-handshake is not skewed.
        return token in {generate_sec_ms_gec_v2(now + d) for d in (-300, 0, 300)}

    async def _voices(self, request: web.Request) -> web.Response:
        mode = self._next_mode()
        if mode in ("403", "429", "500"):
            return web.Response(status=int(mode), headers=self._error_headers())
        return web.json_response(VOICES)

    def _error_headers(self) -> dict[str, str]:
        headers = {"Date": email.utils.formatdate(self._server_now(), usegmt=True)}
        if self.retry_after_s is not None:
            headers["Retry-After"] = str(self.retry_after_s)
        return headers

    async def _speech(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            self.stats.handshakes += 1
        slot = _Slot(self.stats, self._lock)
        try:
            return await self._speech_in_slot(request, slot)
        finally:
            slot.release()

    async def _speech_in_slot(self, request: web.Request, slot: _Slot) -> web.StreamResponse:
        token = request.query.get("Sec-MS-GEC", "")
        if not self._token_ok(token):
            with self._lock:
                self.stats.rejected_tokens += 1
            slot.release()
            return web.Response(status=403, headers=self._error_headers())
        mode = self._next_mode()
        with self._lock:
            self.stats.modes.append(mode)
        if mode in ("403", "429", "500"):
            slot.release()
            return web.Response(status=int(mode), headers=self._error_headers())

        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._open.add(ws)
        try:
            await self._converse(ws, mode, slot)
        finally:
            self._open.discard(ws)
        return ws

    async def _converse(self, ws: web.WebSocketResponse, mode: str, slot: _Slot) -> None:
        config: dict[str, object] | None = None
        ssml: str | None = None
        while ssml is None:
            msg = await ws.receive()
            if msg.type != WSMsgType.TEXT:
                return
            headers, body = _split_text_message(msg.data)
            if headers.get("Path") == "speech.config":
                config = json.loads(body)
            elif headers.get("Path") == "ssml":
                ssml = body
        request_id = _split_text_message(msg.data)[0].get("X-RequestId", uuid.uuid4().hex)
        req = _parse_ssml(ssml, config, mode)
        with self._lock:
            self.stats.requests.append(req)

        await self._wait_for_gate()
        if mode == "delay":  # the first frame comes late, then the whole answer
            await asyncio.sleep(self.delay_s)
        await ws.send_str(_text_message(request_id, "turn.start", {"context": {"serviceTag": "x"}}))
        if mode == "hang":
            assert self._stopping is not None
            await self._stopping.wait()
            return

        speakable = re.search(r"\w", req.text) is not None
        if mode == "no_audio" or req.voice not in KNOWN_VOICES or not speakable:
            slot.release()
            await ws.send_str(_text_message(request_id, "turn.end", {}))
            await _drain(ws)
            return

        rendered = await self._render(req)
        if self.pace > 0:
            await asyncio.sleep(self.pace * len(rendered.mp3) / BYTES_PER_SECOND)
        chunks = [
            rendered.mp3[i : i + CHUNK_BYTES] for i in range(0, len(rendered.mp3), CHUNK_BYTES)
        ]
        if mode in ("drop", "reset"):
            chunks = chunks[: max(1, len(chunks) // 2)]
        kind = "WordBoundary" if req.word_boundaries else "SentenceBoundary"
        pending = list(self._boundaries(rendered, req))
        sent_s = 0.0
        for chunk in chunks:
            sent_s += len(chunk) / BYTES_PER_SECOND
            # Like the service: a boundary is announced once audio up to it has been sent.
            while pending and pending[0][1] <= sent_s:
                text, start, end = pending.pop(0)
                await ws.send_str(_metadata_message(request_id, kind, text, start, end))
            await ws.send_bytes(_audio_message(request_id, chunk))
            if mode == "slow":
                await asyncio.sleep(self.slow_delay_s)
        if mode == "drop":
            slot.release()
            await ws.close()
            return
        if mode == "reset":
            slot.release()
            transport = ws._req.transport if ws._req is not None else None
            if transport is not None:
                transport.abort()
            return
        for text, start, end in pending:
            await ws.send_str(_metadata_message(request_id, kind, text, start, end))
        # The end-of-stream marker the service sends: audio path, no content type, no data.
        await ws.send_bytes(_audio_message(request_id, b"", content_type=None))
        with self._lock:
            self.stats.completed += 1
        slot.release()
        await ws.send_str(_text_message(request_id, "turn.end", {}))
        await _drain(ws)

    def _boundaries(self, rendered: Rendered, req: Request) -> Iterator[tuple[str, float, float]]:
        words = rendered.words
        if req.word_boundaries or not words:
            yield from words
            return
        # Sentence boundaries: group the words by the text's sentence-final punctuation.
        sentences = [s for s in re.split(r"(?<=[。！？!?；;])", req.text) if s.strip()]
        i = 0
        for sentence in sentences:
            n_chars = len(re.findall(r"\w", sentence))
            group = words[i : i + max(1, n_chars)] if n_chars else ()
            if group:
                yield sentence.strip(), group[0][1], group[-1][2]
                i += len(group)

    async def _wait_for_gate(self) -> None:
        # A one-shot barrier: the first ``gate`` connections meet, then the gate stays open
        # (a barrier per batch would stall the last, smaller batch).
        deadline = time.monotonic() + self.gate_timeout_s
        while not self._gate_open and time.monotonic() < deadline:
            if self.stats.active >= self.gate:
                self._gate_open = True
            else:
                await asyncio.sleep(0.01)

    async def _render(self, req: Request) -> Rendered:
        key = (req.text, req.rate, req.pitch, req.volume)
        cached = self._renders.get(key)
        if cached is None:
            loop = asyncio.get_running_loop()
            cached = await loop.run_in_executor(None, self._render_sync, req)
            self._renders[key] = cached
        return cached

    def _render_sync(self, req: Request) -> Rendered:
        from audiobook.engines.base import VoiceSettings
        from audiobook.engines.espeak import EspeakEngine

        engine = EspeakEngine(VoiceSettings("espeak", "cmn", req.rate, req.pitch, req.volume))
        speech = engine.synthesize(req.text)
        mp3 = _encode_mp3(self._ffmpeg_exe(), speech.pcm, speech.sample_rate)
        words = tuple(
            (escape(b.text), b.start_s + ENCODER_DELAY_S, b.end_s + ENCODER_DELAY_S)
            for b in speech.boundaries
            if b.kind == "word"
        )
        return Rendered(mp3, words)

    def _ffmpeg_exe(self) -> str:
        if self._ffmpeg is None:
            self._ffmpeg = ffmpeg_exe()
        return self._ffmpeg


async def _drain(ws: web.WebSocketResponse) -> None:
    """Wait for the client to hang up, as the service does after turn.end."""
    with contextlib.suppress(Exception):
        async for _ in ws:
            pass


def _split_text_message(data: str) -> tuple[dict[str, str], str]:
    head, _, body = data.partition("\r\n\r\n")
    headers = {}
    for line in head.split("\r\n"):
        key, _, value = line.partition(":")
        headers[key] = value
    return headers, body


def _text_message(request_id: str, path: str, body: dict[str, object]) -> str:
    return (
        f"X-RequestId:{request_id}\r\n"
        "Content-Type:application/json; charset=utf-8\r\n"
        f"Path:{path}\r\n\r\n{json.dumps(body, ensure_ascii=False)}"
    )


def _metadata_message(request_id: str, kind: str, text: str, start: float, end: float) -> str:
    item = {
        "Type": kind,
        "Data": {
            "Offset": round(start * TICKS),
            "Duration": round((end - start) * TICKS),
            "text": {"Text": text, "Length": len(text), "BoundaryType": kind},
        },
    }
    return _text_message(request_id, "audio.metadata", {"Metadata": [item]})


def _audio_message(request_id: str, mp3: bytes, content_type: str | None = "audio/mpeg") -> bytes:
    # The 2-byte length covers the header text, whose trailing CRLF separates it from audio.
    lines = [f"X-RequestId:{request_id}"]
    if content_type:
        lines.append(f"Content-Type:{content_type}")
    lines += ["X-StreamId:" + uuid.uuid4().hex.upper(), "Path:audio"]
    header = ("\r\n".join(lines) + "\r\n").encode()
    return len(header).to_bytes(2, "big") + header + mp3


def _parse_ssml(ssml: str, config: dict[str, object] | None, mode: str) -> Request:
    root = ET.fromstring(ssml)
    voice = next(el for el in root.iter() if el.tag.endswith("voice"))
    prosody = next(el for el in root.iter() if el.tag.endswith("prosody"))
    options = {}
    with contextlib.suppress(Exception):
        options = config["context"]["synthesis"]["audio"]["metadataoptions"]  # type: ignore[index]
    return Request(
        text="".join(prosody.itertext()),
        voice=voice.get("name", ""),
        rate=prosody.get("rate", "+0%"),
        pitch=prosody.get("pitch", "+0Hz"),
        volume=prosody.get("volume", "+0%"),
        word_boundaries=options.get("wordBoundaryEnabled") == "true",
        mode=mode,
    )


def _encode_mp3(ffmpeg: str, pcm: bytes, sample_rate: int) -> bytes:
    """The service's format exactly: 24 kHz mono CBR 48 kbps, no ID3 or Xing header."""
    cmd = [
        ffmpeg, "-hide_banner", "-loglevel", "error",
        "-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0",
        "-ar", str(SAMPLE_RATE), "-ac", "1", "-c:a", "libmp3lame", "-b:a", "48k",
        "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", "pipe:1",
    ]  # fmt: skip
    done = subprocess.run(cmd, input=pcm, capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the fake edge-tts speech service.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--mode", default="normal", choices=MODES)
    parser.add_argument("--drop-rate", type=float, default=0.0)
    parser.add_argument("--no-audio-rate", type=float, default=0.0)
    parser.add_argument("--forbidden-rate", type=float, default=0.0, help="share answered 403")
    parser.add_argument("--delay-rate", type=float, default=0.0, help="share answered late")
    parser.add_argument("--delay", type=float, default=1.0, help="seconds before a late answer")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clock-skew", type=float, default=0.0, help="seconds")
    parser.add_argument(
        "--pace", type=float, default=0.0, help="seconds of service time per second of audio"
    )
    args = parser.parse_args(argv)
    service = FakeEdgeService(
        host=args.host,
        port=args.port,
        default_mode=args.mode,
        drop_rate=args.drop_rate,
        no_audio_rate=args.no_audio_rate,
        forbidden_rate=args.forbidden_rate,
        delay_rate=args.delay_rate,
        delay_s=args.delay,
        seed=args.seed,
        clock_skew_s=args.clock_skew,
        pace=args.pace,
    ).start()
    print(f"export AUDIOBOOK_EDGE_ENDPOINT='{service.endpoint}'", flush=True)
    print(f"export AUDIOBOOK_EDGE_VOICES_URL='{service.voices_url}'", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        s = service.stats
        print(f"handshakes={s.handshakes} completed={s.completed} max_active={s.max_active}")
        service.stop()


if __name__ == "__main__":
    main()
