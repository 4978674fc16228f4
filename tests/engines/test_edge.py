"""The edge engine drives the real ``edge_tts`` client against the fake service on 127.0.0.1."""

from __future__ import annotations

import itertools
import threading
import time
from array import array
from collections.abc import Callable
from pathlib import Path

import edge_tts.communicate
import pytest
from edge_tts.drm import DRM

from audiobook.engines.base import VoiceSettings
from audiobook.engines.edge import (
    ENDPOINT_ENV,
    SAMPLE_RATE,
    EdgeEngine,
    EdgeServiceError,
    list_voices,
    probe,
)
from audiobook.errors import ConfigError, EngineError
from tests.fakes.edge_service import BYTES_PER_SECOND, FakeEdgeService

TEXT = "今天天气很好，我们去公园散步。"
YUNYANG = VoiceSettings("edge", "zh-CN-YunyangNeural")


def engine(**options: object) -> EdgeEngine:
    return EdgeEngine(YUNYANG, **options)  # type: ignore[arg-type]


def mean_abs(pcm: bytes) -> float:
    samples = array("h", pcm)
    return sum(abs(s) for s in samples) / max(1, len(samples))


def test_speaks_text_as_mono_pcm_with_word_and_sentence_timings(
    edge_service: FakeEdgeService,
) -> None:
    speech = engine().synthesize(TEXT)

    (request,) = edge_service.stats.requests
    assert request.text == TEXT
    assert request.voice == "Microsoft Server Speech Text to Speech Voice (zh-CN, YunyangNeural)"
    assert request.word_boundaries
    assert speech.sample_rate == SAMPLE_RATE
    assert mean_abs(speech.pcm) > 100  # speech, not silence
    # The decoded audio is as long as the CBR stream the service sent (576 samples a frame).
    sent_s = len(edge_service._renders[(TEXT, "+0%", "+0Hz", "+0%")].mp3) / BYTES_PER_SECOND
    assert abs(speech.duration_s - sent_s) < 576 / SAMPLE_RATE
    words = [b for b in speech.boundaries if b.kind == "word"]
    assert "".join(w.text for w in words) == TEXT
    assert all(a.end_s <= b.start_s + 1e-6 for a, b in itertools.pairwise(words))
    assert words[-1].end_s <= speech.duration_s
    (sentence,) = [b for b in speech.boundaries if b.kind == "sentence"]
    assert (sentence.text, sentence.start_s, sentence.end_s) == (
        TEXT,
        words[0].start_s,
        words[-1].end_s,
    )


def test_word_timings_fall_on_the_spoken_audio(edge_service: FakeEdgeService) -> None:
    """Boundaries must agree with the audio: the span they cover is louder than the rest."""
    speech = engine().synthesize(TEXT)
    (sentence,) = [b for b in speech.boundaries if b.kind == "sentence"]
    rate = speech.sample_rate
    inside = speech.pcm[int(sentence.start_s * rate) * 2 : int(sentence.end_s * rate) * 2]
    before = speech.pcm[: int(sentence.start_s * rate) * 2]
    assert mean_abs(inside) > 5 * max(1.0, mean_abs(before))


def test_sentence_boundary_mode_asks_the_service_for_sentences(
    edge_service: FakeEdgeService,
) -> None:
    speech = engine(boundary="sentence").synthesize("第一句话。第二句话！")
    assert not edge_service.stats.requests[0].word_boundaries
    assert [b.text for b in speech.boundaries] == ["第一句话。", "第二句话！"]
    assert {b.kind for b in speech.boundaries} == {"sentence"}


def test_rate_pitch_volume_reach_the_service(edge_service: FakeEdgeService) -> None:
    fast = EdgeEngine(VoiceSettings("edge", "zh-CN-XiaoxiaoNeural", "+50%", "+5Hz", "-10%"))
    normal = engine().synthesize(TEXT)
    quick = fast.synthesize(TEXT)
    request = edge_service.stats.requests[-1]
    assert (request.rate, request.pitch, request.volume) == ("+50%", "+5Hz", "-10%")
    assert quick.duration_s < normal.duration_s * 0.8


def test_slow_service_still_gives_the_whole_audio(make_edge_service: Callable) -> None:
    service = make_edge_service(default_mode="slow", slow_delay_s=0.02)
    slow = engine().synthesize(TEXT)
    service.default_mode = "normal"
    assert slow.pcm == engine().synthesize(TEXT).pcm


@pytest.mark.slow
def test_a_paced_fake_answers_no_sooner_than_its_pace_times_the_audio(
    make_edge_service: Callable,
) -> None:
    """The fake's ``pace`` (bench/batch.py's network-bound voice): service time in proportion
    to the speech, the same audio."""
    service = make_edge_service()
    quick = engine().synthesize(TEXT)  # rendered now; later answers come from its memory
    service.pace = 0.5
    started = time.monotonic()
    paced = engine().synthesize(TEXT)
    waited = time.monotonic() - started
    audio_s = len(paced.pcm) / 2 / paced.sample_rate
    assert paced.pcm == quick.pcm
    assert waited >= 0.5 * audio_s * 0.95  # the service's MP3 is a frame or two longer


@pytest.mark.parametrize("mode", ["drop", "reset"])
def test_connection_lost_mid_stream_is_a_transient_truncation(
    edge_service: FakeEdgeService, mode: str
) -> None:
    """edge_tts returns the partial audio without raising; the engine must notice."""
    edge_service.script(mode)
    with pytest.raises(EdgeServiceError, match="truncated") as err:
        engine().synthesize(TEXT)
    assert err.value.transient
    assert edge_service.stats.completed == 0


@pytest.mark.parametrize(
    ("script", "message"),
    [(("no_audio",), "no audio"), (("403", "403"), "403"), (("500",), "500")],
)
def test_service_faults_are_transient_and_say_so(
    edge_service: FakeEdgeService, script: tuple[str, ...], message: str
) -> None:
    """No audio, a 403 that survives edge_tts's own clock fix, and 5xx are all retried."""
    edge_service.script(*script)
    with pytest.raises(EdgeServiceError, match=message) as err:
        engine().synthesize(TEXT)
    assert err.value.transient


def test_403_with_date_header_corrects_the_clock_and_succeeds(
    make_edge_service: Callable,
) -> None:
    """The service refuses tokens from a skewed clock with 403 and its Date; edge_tts
    adjusts its clock once and tries again, within the same request."""
    service = make_edge_service(clock_skew_s=3600)
    speech = engine().synthesize(TEXT)
    assert speech.duration_s > 1
    assert service.stats.rejected_tokens == 1
    assert service.stats.handshakes == 2
    assert DRM.clock_skew_seconds == pytest.approx(3600, abs=5)


def test_429_is_transient_and_carries_retry_after(make_edge_service: Callable) -> None:
    service = make_edge_service(retry_after_s=2)
    service.script("429")
    with pytest.raises(EdgeServiceError, match="429") as err:
        engine().synthesize(TEXT)
    assert err.value.transient
    assert err.value.retry_after_s == 2


def test_wrong_endpoint_path_is_not_retried(edge_service: FakeEdgeService) -> None:
    url = edge_service.endpoint.replace("/edge/v1?", "/nowhere?")
    with pytest.raises(EdgeServiceError, match="404") as err:
        engine(endpoint=url).synthesize(TEXT)
    assert not err.value.transient


def test_service_down_is_a_clear_transient_error(edge_down: str) -> None:
    with pytest.raises(EdgeServiceError, match=r"cannot connect to 127\.0\.0\.1") as err:
        engine().synthesize(TEXT)
    assert err.value.transient


def test_a_hung_service_times_out(edge_service: FakeEdgeService) -> None:
    edge_service.script("hang")
    with pytest.raises(EdgeServiceError, match="no complete answer") as err:
        engine(request_timeout_s=0.5).synthesize(TEXT)
    assert err.value.transient


def test_punctuation_only_is_silence_without_a_request(edge_service: FakeEdgeService) -> None:
    speech = engine().synthesize("……！")
    assert speech.pcm == b""
    assert edge_service.stats.handshakes == 0


def test_endpoint_override_does_not_leak(edge_service: FakeEdgeService) -> None:
    original = edge_tts.communicate.WSS_URL
    engine().synthesize(TEXT)
    assert original == edge_tts.communicate.WSS_URL
    assert "127.0.0.1" not in original


def test_concurrent_engines_on_two_endpoints_each_reach_their_own(
    make_edge_service: Callable,
) -> None:
    first, second = make_edge_service(), make_edge_service()
    engines = [engine(endpoint=first.endpoint), engine(endpoint=second.endpoint)]
    errors: list[BaseException] = []

    def speak(e: EdgeEngine, text: str) -> None:
        try:
            e.synthesize(text)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=speak, args=(engines[i % 2], f"第{i}句。")) for i in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(r.text for r in first.stats.requests) == [f"第{i}句。" for i in (0, 2, 4, 6)]
    assert sorted(r.text for r in second.stats.requests) == [f"第{i}句。" for i in (1, 3, 5, 7)]


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:1/edge/v1?x=1", "ws://127.0.0.1:1/edge/v1", "127.0.0.1:1"],
)
def test_endpoint_must_be_a_websocket_url_with_its_query(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv(ENDPOINT_ENV, url)
    with pytest.raises(ConfigError, match=ENDPOINT_ENV):
        engine()


@pytest.mark.parametrize(
    "fields",
    [
        {"voice": "Yunyang"},
        {"rate": "fast"},
        {"pitch": "+5%"},
    ],
)
def test_bad_voice_settings_fail_before_any_request(
    edge_service: FakeEdgeService, fields: dict[str, str]
) -> None:
    with pytest.raises(ConfigError):
        EdgeEngine(VoiceSettings(**{"engine": "edge", "voice": "zh-CN-YunyangNeural", **fields}))
    assert edge_service.stats.handshakes == 0


def test_engine_capabilities() -> None:
    e = engine(concurrency=2)
    assert (e.name, e.needs_normalised_text, e.concurrency) == ("edge", False, 2)
    assert e.describe() == "zh-CN-YunyangNeural"
    # The worst character escapes to 5 bytes; edge_tts splits requests above 4096 bytes.
    assert e.max_chars * 5 <= 4096


def test_probe_answers(edge_service: FakeEdgeService) -> None:
    assert probe(3.0)
    assert edge_service.stats.completed == 1


def test_probe_fails_when_service_is_down(edge_down: str) -> None:
    assert not probe(2.0)


def test_probe_reports_a_malformed_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENDPOINT_ENV, "http://relay.example/edge")
    with pytest.raises(ConfigError, match=ENDPOINT_ENV):
        probe(1.0)


def test_probe_fails_during_a_no_audio_outage(make_edge_service: Callable) -> None:
    make_edge_service(default_mode="no_audio")
    assert not probe(3.0)


def test_voices_are_listed_filtered_and_cached(make_edge_service: Callable, tmp_path: Path) -> None:
    service = make_edge_service()
    voices = list_voices("zh-CN", cache_dir=tmp_path)
    assert not voices.from_cache and voices.note is None
    assert [v["ShortName"] for v in voices] == [
        "zh-CN-XiaoxiaoNeural",
        "zh-CN-XiaoyiNeural",
        "zh-CN-YunxiNeural",
        "zh-CN-YunyangNeural",
    ]
    assert len(list_voices("zh", cache_dir=tmp_path)) == 5
    service.stop()

    fresh = list_voices("zh-CN", cache_dir=tmp_path)
    assert fresh.from_cache and "cached list" in (fresh.note or "")
    assert list(fresh) == list(voices)

    offline = list_voices("zh-CN", cache_dir=tmp_path, refresh=True)
    assert offline.from_cache and (offline.note or "").startswith("offline")
    assert list(offline) == list(voices)


def test_voices_offline_without_cache_says_so(edge_down: str, tmp_path: Path) -> None:
    with pytest.raises(EngineError, match=r"cannot list edge voices.*no cached list"):
        list_voices(None, cache_dir=tmp_path)


@pytest.mark.parametrize("name", ["yunyang", "xiaoxiao", "yunxi"])
def test_shipped_edge_profiles_are_valid(name: str) -> None:
    from audiobook.profiles import load

    profile = load(name)
    settings = profile.settings
    assert profile.engine == "edge"
    assert EdgeEngine(settings).describe() == settings.voice
