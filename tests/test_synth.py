"""The scheduler: cache, bounded concurrency, retries, and failing clearly.

Scheduling logic is checked with a scripted in-memory engine; the fault scenarios run the
real edge engine (and so the real ``edge_tts`` client) against the fake service.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audiobook.engines.base import VoiceSettings
from audiobook.engines.edge import EdgeEngine
from audiobook.errors import EngineError
from audiobook.models import Boundary, Segment, Speech
from audiobook.synth import (
    Fallback,
    RetryPolicy,
    SegmentCache,
    cache_key,
    synthesize_all,
    synthesize_iter,
)
from tests.fakes.edge_service import FakeEdgeService

SETTINGS = VoiceSettings("scripted", "v1")
EDGE = VoiceSettings("edge", "zh-CN-YunyangNeural")


class Flaky(EngineError):
    """A service that is there but struggling (a dropped stream, a timeout)."""

    transient = True


class Down(EngineError):
    """What a service that is down answers (refused, no such host, 401/403)."""

    transient = True
    down = True


def segments(*texts: str) -> list[Segment]:
    return [Segment(0, i, t, t) for i, t in enumerate(texts)]


class Scripted:
    """Speaks ``text`` as its UTF-8 bytes; fails as told, counting calls per text."""

    name = "scripted"
    needs_normalised_text = False
    max_chars = 100

    def __init__(
        self,
        concurrency: int = 1,
        failures: dict[str, list[Exception]] | None = None,
        hook: Callable[[str], None] | None = None,
        settings: VoiceSettings = SETTINGS,
    ) -> None:
        self.settings = settings
        self.concurrency = concurrency
        self.failures = failures or {}
        self.hook = hook
        self.calls: list[str] = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def describe(self) -> str:
        return self.settings.voice

    def synthesize(self, text: str) -> Speech:
        with self._lock:
            self.calls.append(text)
            self.threads.add(threading.current_thread().name)
            planned = self.failures.get(text)
            failure = planned.pop(0) if planned else None
        if self.hook:
            self.hook(text)
        if failure:
            raise failure
        pcm = text.encode("utf-8")
        return Speech(pcm + b"\0" * (len(pcm) % 2), 8000, (Boundary("word", text, 0.0, 0.001),))


def run(engine: Scripted, segs: list[Segment], **options: object) -> list[Speech]:
    quick = RetryPolicy(give_up_after_s=5, down_attempts=3, base_delay_s=0.001, max_delay_s=0.002)
    options.setdefault("retry", quick)
    return synthesize_all(engine, segs, **options)  # type: ignore[arg-type]


def test_results_in_segment_order_with_each_reported_once() -> None:
    engine = Scripted(concurrency=4)
    segs = segments(*(f"句{i}" for i in range(20)))
    done: list[int] = []
    speeches = run(engine, segs, on_done=lambda s: done.append(s.index))
    assert [s.pcm.rstrip(b"\0").decode() for s in speeches] == [s.spoken_text for s in segs]
    assert sorted(done) == list(range(20))


def test_one_at_a_time_engines_speak_ahead_on_one_worker_thread() -> None:
    """The caller (the assembler) writes to the encoder while one worker speaks ahead, never
    two at once: espeak-ng's library keeps global state."""
    busy, peak = [0], [0]
    guard = threading.Lock()

    def hook(_text: str) -> None:
        with guard:
            busy[0] += 1
            peak[0] = max(peak[0], busy[0])
        time.sleep(0.002)
        with guard:
            busy[0] -= 1

    engine = Scripted(concurrency=1, hook=hook)
    texts = [f"句{i}" for i in range(12)]
    speeches = run(engine, segments(*texts))
    assert [s.pcm.rstrip(b"\0").decode() for s in speeches] == texts
    assert len(engine.threads) == 1
    assert threading.current_thread().name not in engine.threads
    assert peak[0] == 1


def test_concurrency_is_bounded_by_engine_and_caller() -> None:
    active, peak, lock = [0], [0], threading.Lock()
    release = threading.Event()

    def hook(_: str) -> None:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            if active[0] == 3:
                release.set()
        release.wait(5)
        with lock:
            active[0] -= 1

    engine = Scripted(concurrency=8, hook=hook)
    run(engine, segments(*(f"句{i}" for i in range(12))), concurrency=3)
    assert peak[0] == 3


def test_repeated_sentences_are_spoken_once() -> None:
    engine = Scripted(concurrency=2)
    speeches = run(engine, segments("好。", "不好。", "好。"))
    assert sorted(engine.calls) == ["不好。", "好。"]
    assert speeches[0] == speeches[2]


def test_transient_failures_are_retried() -> None:
    engine = Scripted(failures={"二": [Flaky("reset"), Flaky("no audio")]})
    speeches = run(engine, segments("一", "二"))
    assert engine.calls == ["一", "二", "二", "二"]
    assert speeches[1].pcm.rstrip(b"\0") == "二".encode()


def test_permanent_failures_are_not_retried_and_name_the_sentence() -> None:
    engine = Scripted(failures={"坏句子": [EngineError("HTTP 404")]})
    with pytest.raises(EngineError) as err:
        run(engine, [Segment(2, 4, "坏句子", "坏句子")])
    assert engine.calls == ["坏句子"]
    message = str(err.value)
    assert "section 3, sentence 5" in message and "坏句子" in message and "HTTP 404" in message


def test_a_service_down_from_the_start_fails_fast_naming_sentence_and_cause() -> None:
    engine = Scripted(failures={"一": [Down(f"refused {i}") for i in range(10)]})
    with pytest.raises(EngineError) as err:
        run(engine, segments("一", "二", "三"))
    assert re.search(r"section 1, sentence 1 .*refused 2 \(after 3 attempts; nothing has been "
                     r"spoken", str(err.value)), err.value  # fmt: skip
    assert engine.calls == ["一", "一", "一"]  # "二" never started


def test_a_sentence_is_retried_for_as_long_as_others_are_spoken() -> None:
    """Issue 14: a count of tries per sentence turned a high fault rate into a coin toss.
    While the engine makes progress, a sentence is tried again however often it fails."""
    texts = [f"句{i}" for i in range(12)]
    unlucky = {t: [Flaky("dropped")] * 9 for t in texts[::3]}
    unlucky["句0"] = [Down("403")] * 2 + [Flaky("dropped")] * 20  # before anything was spoken
    engine = Scripted(concurrency=3, failures=unlucky)
    speeches = run(engine, segments(*texts))
    assert [s.pcm.rstrip(b"\0").decode() for s in speeches] == texts
    assert engine.calls.count("句0") == 23 and engine.calls.count("句3") == 10


class Clock:
    """A clock the test moves: the budget is minutes, the test takes none."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_gives_up_when_nothing_has_been_spoken_for_the_budget() -> None:
    clock = Clock()
    engine = Scripted(failures={"二": [Flaky(f"dropped {i}") for i in range(100)]})
    with pytest.raises(EngineError) as err:
        run(engine, segments("一", "二", "三"), retry=RetryPolicy(), clock=clock,
            sleep=clock.sleep)  # fmt: skip
    message = str(err.value)
    assert message.startswith("section 1, sentence 2 («二»): dropped ")
    spent = float(re.search(r"nothing spoken for (\d+) s", message).group(1))  # type: ignore[union-attr]
    assert 120 <= spent <= 127  # the default budget, overshot by one wait at most
    assert 20 < engine.calls.count("二") < 40 and "三" not in engine.calls


def test_the_budget_runs_only_while_the_build_waits_on_the_engine() -> None:
    """A book's encoder may keep the speaking window full for many minutes: that is not the
    service stalling, and the next sentence's first failure must not end the build."""
    clock = Clock()
    engine = Scripted(failures={"二": [Flaky("dropped")]})
    quick = RetryPolicy(give_up_after_s=10, base_delay_s=0.001, max_delay_s=0.002)
    stream = synthesize_iter(
        engine, segments("一", "二"), retry=quick, window=1, clock=clock,
        sleep=clock.sleep,
    )  # fmt: skip
    next(stream)
    clock.now += 600  # the encoder is busy; nothing is asked of the engine
    assert next(stream).pcm.rstrip(b"\0") == "二".encode()
    assert engine.calls == ["一", "二", "二"]


def test_a_final_failure_stops_retries_elsewhere() -> None:
    """Once the build is lost, segments waiting to retry give up instead of sleeping on."""
    first_failed = threading.Event()

    def hook(text: str) -> None:
        if text == "坏":
            first_failed.wait(5)  # fail for good only after "慢" is waiting to retry

    engine = Scripted(
        concurrency=2,
        failures={"慢": [Flaky("reset"), Flaky("reset")], "坏": [EngineError("fatal")]},
        hook=lambda t: first_failed.set() if t == "慢" else hook(t),
    )
    patient = RetryPolicy(base_delay_s=60, max_delay_s=60)
    with pytest.raises(EngineError, match="fatal"):
        run(engine, segments("慢", "坏"), retry=patient)
    assert engine.calls.count("慢") == 1


def test_retry_after_is_honoured_within_limits() -> None:
    policy = RetryPolicy(base_delay_s=0.1, max_delay_s=1, max_retry_after_s=5)
    rng = random.Random(0)
    assert policy.delay(1, rng, retry_after_s=3) == 3
    assert policy.delay(1, rng, retry_after_s=60) == 5


def waits_of(policy: RetryPolicy, failures: int, seed: int, **errors: object) -> list[float]:
    """The waits the real retry loop sleeps while one sentence fails ``failures`` times and
    then is spoken."""
    waits: list[float] = []
    flaky = [Flaky(f"dropped {i}") for i in range(failures)]
    for exc in flaky:
        for name, value in errors.items():
            setattr(exc, name, value)
    engine = Scripted(failures={"一": list(flaky)})
    clock = Clock()

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.sleep(seconds)

    speeches = run(engine, segments("一"), retry=policy, sleep=sleep, clock=clock,
                   rng=random.Random(seed))  # fmt: skip
    assert engine.calls == ["一"] * (failures + 1)
    assert speeches[0].pcm.rstrip(b"\0") == "一".encode()
    return waits


@given(
    failures=st.integers(1, 20),
    seed=st.integers(0, 2**32),
    base=st.floats(0.01, 2.0),
    cap=st.floats(1.0, 64.0),
)
def test_backoff_waits_grow_to_the_cap_and_stay_under_it(
    failures: int, seed: int, base: float, cap: float
) -> None:
    """Behaviour of the waits between attempts, whatever the jitter draws: one per failure,
    the first at most the base delay, none over the cap, none shorter than half the base;
    and each at least as long as the one before until they reach the cap's upper half,
    where they stay."""
    policy = RetryPolicy(give_up_after_s=1e9, base_delay_s=base, max_delay_s=max(cap, base))
    waits = waits_of(policy, failures, seed)
    assert len(waits) == failures
    assert base / 2 <= waits[0] <= base
    assert all(base / 2 <= w <= policy.max_delay_s for w in waits)
    for before, after in itertools.pairwise(waits):
        assert after >= min(before, policy.max_delay_s / 2)
    if failures >= 12 and base * 2**10 >= policy.max_delay_s:
        assert min(waits[11:], default=policy.max_delay_s) >= policy.max_delay_s / 2


def test_backoff_doubles_and_is_capped_as_documented() -> None:
    """RetryPolicy's docstring: about 0.4, 0.8, 1.6, 3.2 s, then 6 s at most; each wait is
    jittered within the upper half of its step, so the steps never overlap."""
    waits = waits_of(RetryPolicy(give_up_after_s=1e9), 8, seed=3)
    steps = [0.4, 0.8, 1.6, 3.2, 6.0, 6.0, 6.0, 6.0]
    assert all(step / 2 <= w <= step for w, step in zip(waits, steps, strict=True))


def test_backoff_is_jittered_over_the_upper_half_of_each_step() -> None:
    """Clients that failed together must not retry together: over many seeds the same wait
    spreads across its step's upper half (equal jitter), not onto one value."""
    third = [waits_of(RetryPolicy(give_up_after_s=1e9), 3, seed)[2] for seed in range(200)]
    assert all(0.8 <= w <= 1.6 for w in third)
    assert min(third) < 0.9 and max(third) > 1.5
    assert len(set(third)) > 150


def test_a_retry_after_lengthens_the_wait_up_to_its_limit() -> None:
    policy = RetryPolicy(give_up_after_s=1e9, base_delay_s=0.1, max_delay_s=1,
                         max_retry_after_s=5)  # fmt: skip
    assert all(w == 3 for w in waits_of(policy, 3, 0, retry_after_s=3))
    assert all(w == 5 for w in waits_of(policy, 3, 0, retry_after_s=60))


def test_the_retry_budget_bounds_the_time_spent_on_a_failing_sentence() -> None:
    """Backoff and budget together: a sentence that never succeeds is given up once the
    budget is spent (overshot by one wait at most), whatever the budget."""
    for budget in (1.0, 7.5, 30.0, 300.0):
        clock = Clock()
        start = clock.now
        engine = Scripted(failures={"一": [Flaky("dropped")] * 10_000})
        policy = RetryPolicy(give_up_after_s=budget)
        with pytest.raises(EngineError, match="nothing spoken for"):
            run(engine, segments("一"), retry=policy, clock=clock, sleep=clock.sleep)
        assert budget <= clock.now - start <= budget + policy.max_delay_s


def test_waits_between_attempts_follow_the_policy() -> None:
    waits: list[float] = []
    engine = Scripted(failures={"一": [Flaky("x"), Flaky("x"), Flaky("x")]})
    policy = RetryPolicy(base_delay_s=1, max_delay_s=3)
    run(engine, segments("一"), retry=policy, sleep=waits.append, rng=random.Random(1))
    assert len(waits) == 3
    assert 0.5 <= waits[0] <= 1 and 1 <= waits[1] <= 2 and 1.5 <= waits[2] <= 3


# -- cache ----------------------------------------------------------------------------------


def test_cache_serves_repeated_builds(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path)
    first = Scripted()
    run(first, segments("一", "二"), cache=cache)
    again = Scripted()
    done: list[int] = []
    speeches = run(again, segments("一", "二", "三"), cache=cache, on_done=lambda s: done.append(1))
    assert again.calls == ["三"]
    assert len(done) == 3
    assert speeches[0].boundaries == (Boundary("word", "一", 0.0, 0.001),)


def test_refresh_speaks_again_and_no_cache_leaves_nothing(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path)
    run(Scripted(), segments("一"), cache=cache)
    engine = Scripted()
    run(engine, segments("一"), cache=cache, refresh=True)
    assert engine.calls == ["一"]
    stored = sorted((p, p.stat().st_mtime_ns) for p in tmp_path.rglob("*"))
    uncached = Scripted()
    run(uncached, segments("一", "二"), cache=None)
    assert uncached.calls == ["一", "二"]
    assert sorted((p, p.stat().st_mtime_ns) for p in tmp_path.rglob("*")) == stored


def test_an_interrupted_build_keeps_what_it_finished(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path)
    broken = Scripted(failures={"三": [EngineError("down")]})
    with pytest.raises(EngineError):
        run(broken, segments("一", "二", "三"), cache=cache)
    resumed = Scripted()
    run(resumed, segments("一", "二", "三"), cache=cache)
    assert resumed.calls == ["三"]


@pytest.mark.parametrize(
    "other",
    [
        VoiceSettings("scripted", "v1", rate="+10%"),
        VoiceSettings("scripted", "v1", pitch="+5Hz"),
        VoiceSettings("scripted", "v1", volume="-5%"),
        VoiceSettings("scripted", "v2"),
        VoiceSettings("espeak", "cmn"),
    ],
)
def test_cache_key_covers_every_setting(other: VoiceSettings) -> None:
    engine = Scripted()
    assert cache_key(engine, "一") != cache_key(Scripted(settings=other), "一")
    assert cache_key(engine, "一") != cache_key(engine, "二")


def test_cache_key_uses_the_engine_that_really_speaks() -> None:
    """An ``auto`` profile resolves to different engines; their audio must not mix."""
    auto = VoiceSettings("auto", "zh-CN-YunyangNeural")
    scripted = Scripted(settings=auto)
    edge = EdgeEngine(auto)
    assert cache_key(scripted, "一") != cache_key(edge, "一")


def test_cache_keys_are_those_earlier_versions_gave() -> None:
    """Audio cached before the settings travelled inside the engine is still found: the
    key hashes the same parts (engine, described voice, rate, pitch, volume, variant)."""
    from audiobook.engines.espeak import EspeakEngine
    from audiobook.synth import _CACHE_VERSION

    for engine in (EspeakEngine(VoiceSettings("espeak", "", rate="+10%")), EdgeEngine(EDGE)):
        settings = engine.settings
        parts = [_CACHE_VERSION, engine.name, engine.describe(), settings.rate, settings.pitch,
                 settings.volume, engine.cache_variant, "一"]  # fmt: skip
        old = hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()
        assert cache_key(engine, "一") == old


def test_damaged_cache_entries_are_misses(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path)
    run(Scripted(), segments("一"), cache=cache)
    (pcm,) = tmp_path.rglob("*.pcm")
    pcm.write_bytes(pcm.read_bytes()[:-1])
    engine = Scripted()
    run(engine, segments("一"), cache=cache)
    assert engine.calls == ["一"]


# -- against the fake service ---------------------------------------------------------------


def edge_segments(n: int) -> list[Segment]:
    return [Segment(i // 5, i % 5, f"第{i}句话说完了。", f"第{i}句话说完了。") for i in range(n)]


def test_many_segments_never_exceed_the_connection_limit(
    make_edge_service: Callable[..., FakeEdgeService], fast_retry: RetryPolicy
) -> None:
    # The fake holds each answer until 3 connections are open, so overlap is certain.
    service = make_edge_service(gate=3)
    segs = edge_segments(15)
    speeches = synthesize_all(EdgeEngine(EDGE, concurrency=3), segs, retry=fast_retry)
    assert service.stats.max_active == 3
    assert service.stats.completed == 15
    assert [s.boundaries[-1].text for s in speeches] == [s.spoken_text for s in segs]


def test_faults_are_retried_into_a_complete_episode(
    edge_service: FakeEdgeService, fast_retry: RetryPolicy
) -> None:
    segs = edge_segments(12)
    # The fake renders each text once, so a fault-free pass gives the exact reference.
    reference = synthesize_all(EdgeEngine(EDGE, concurrency=4), segs, retry=fast_retry)
    assert edge_service.stats.handshakes == 12

    edge_service.script("drop", "reset", "no_audio", "429", "500", "403", "403")
    speeches = synthesize_all(EdgeEngine(EDGE, concurrency=4), segs, retry=fast_retry)
    assert edge_service.stats.completed == 24
    assert edge_service.stats.handshakes > 24
    assert [s.pcm for s in speeches] == [s.pcm for s in reference]
    assert [s.boundaries for s in speeches] == [s.boundaries for s in reference]


def test_random_faults_at_production_rates(
    make_edge_service: Callable[..., FakeEdgeService], fast_retry: RetryPolicy
) -> None:
    """The issue's scenario: a fifth of connections dropped, a tenth answered with no audio."""
    service = make_edge_service(drop_rate=0.2, no_audio_rate=0.1, seed=7)
    segs = edge_segments(20)
    speeches = synthesize_all(EdgeEngine(EDGE, concurrency=4), segs, retry=fast_retry)
    assert service.stats.completed == 20
    assert {"drop", "no_audio"} <= set(service.stats.modes)
    for seg, speech in zip(segs, speeches, strict=True):
        assert speech.boundaries[-1].text == seg.spoken_text
        assert speech.duration_s >= speech.boundaries[-1].end_s


def test_concurrent_403s_from_a_skewed_clock_converge(
    make_edge_service: Callable[..., FakeEdgeService], fast_retry: RetryPolicy
) -> None:
    """Several requests refused at once each correct edge_tts's shared clock; the
    corrections must not pile up into a wrong clock that fails the build."""
    service = make_edge_service(clock_skew_s=3600)
    segs = edge_segments(12)
    synthesize_all(EdgeEngine(EDGE, concurrency=4), segs, retry=fast_retry)
    assert service.stats.completed == 12
    assert service.stats.rejected_tokens >= 1


def test_service_down_fails_with_a_clear_error(
    edge_down: str, fast_retry: RetryPolicy, tmp_path: Path
) -> None:
    cache = SegmentCache(tmp_path)
    with pytest.raises(EngineError) as err:
        synthesize_all(EdgeEngine(EDGE), edge_segments(8), cache=cache, retry=fast_retry)
    message = str(err.value)
    assert "section 1, sentence" in message
    assert "cannot connect to 127.0.0.1" in message
    assert "after 4 attempts" in message
    assert not list(tmp_path.rglob("*.pcm"))


def test_cached_build_does_not_contact_the_service(
    edge_service: FakeEdgeService, fast_retry: RetryPolicy, tmp_path: Path
) -> None:
    cache = SegmentCache(tmp_path)
    segs = edge_segments(4)
    first = synthesize_all(EdgeEngine(EDGE), segs, cache=cache, retry=fast_retry)
    handshakes = edge_service.stats.handshakes
    again = synthesize_all(EdgeEngine(EDGE), segs, cache=cache, retry=fast_retry)
    assert edge_service.stats.handshakes == handshakes
    assert again == first


def test_offline_engine_still_works_through_the_scheduler(tmp_path: Path) -> None:
    from audiobook.engines.espeak import EspeakEngine

    settings = VoiceSettings("espeak", "cmn")
    engine = EspeakEngine(settings)
    segs = segments("你好。", "再见。")
    speeches = synthesize_all(engine, segs, cache=SegmentCache(tmp_path))
    assert all(s.duration_s > 0.3 for s in speeches)
    assert speeches[0].pcm != speeches[1].pcm


@pytest.mark.parametrize("concurrency", [1, 3])
def test_speech_streams_in_order_with_a_bounded_window(concurrency: int) -> None:
    """A book is never held in memory: speech is yielded as it is ready, at most a window
    ahead of what the consumer has taken."""
    engine = Scripted(concurrency=concurrency)
    segs = segments(*(f"句{i}" for i in range(100)))
    stream = synthesize_iter(engine, segs, window=6)
    first = next(stream)
    assert first.pcm.rstrip(b"\0").decode() == "句0"
    assert len(engine.calls) <= 6
    rest = [s.pcm.rstrip(b"\0").decode() for s in stream]
    assert rest == [f"句{i}" for i in range(1, 100)]


def _wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_speech_runs_ahead_by_characters_not_sentences() -> None:
    """The default window is a length of speech: short sentences run far ahead (an article
    is spoken whole while the encoder starts), long ones only a few."""
    engine = Scripted()
    short = synthesize_iter(engine, segments(*(f"句{i:02}" for i in range(60))))
    next(short)
    _wait_for(lambda: len(engine.calls) == 60)
    short.close()

    engine = Scripted()
    texts = [f"{i:02}" + "长" * 98 for i in range(60)]  # 100 characters each
    long = synthesize_iter(engine, segments(*texts), ahead_chars=450)
    next(long)
    time.sleep(0.2)  # time to run ahead, if it would
    assert len(engine.calls) <= 6  # the one taken + 450 characters ahead (+ the last pulled)
    assert [s.pcm.rstrip(b"\0").decode() for s in long] == texts[1:]


def test_abandoned_stream_stops_speaking() -> None:
    engine = Scripted(concurrency=2)
    stream = synthesize_iter(engine, segments(*(f"句{i}" for i in range(50))), window=4)
    next(stream)
    stream.close()
    spoken = len(engine.calls)
    assert spoken <= 6


# -- fallback -------------------------------------------------------------------------------


def test_fallback_speaks_given_up_sentences_and_never_caches_them_as_the_network_voice(
    tmp_path: Path,
) -> None:
    clock = Clock()
    network = Scripted(concurrency=2, failures={"二": [Flaky("dropped")] * 100})
    offline = Scripted(settings=VoiceSettings("offline", "v0"))
    offline.name = "offline"
    fallback = Fallback(offline)
    cache = SegmentCache(tmp_path)
    policy = RetryPolicy(give_up_after_s=5, base_delay_s=1, max_delay_s=2)
    speeches = run(network, segments("一", "二", "三"), cache=cache, retry=policy, clock=clock,
                   sleep=clock.sleep, fallback=fallback)  # fmt: skip
    assert [s.fallback for s in speeches] == [False, True, False]
    assert speeches[1].pcm.rstrip(b"\0") == "二".encode() and offline.calls == ["二"]
    (used,) = fallback.used
    assert (used.section, used.index, used.text, used.cause) == (0, 1, "二", "dropped")
    assert used.as_dict() == {"section": 1, "sentence": 2, "text": "二", "cause": "dropped"}

    healthy = Scripted(concurrency=2)
    again = run(healthy, segments("一", "二", "三"), cache=cache)
    assert healthy.calls == ["二"]  # the offline audio was not cached as the network voice's
    assert not any(s.fallback for s in again)


def test_fallback_audio_takes_the_network_voices_rate() -> None:
    from audiobook.engines.espeak import EspeakEngine

    class Refused(Scripted):
        sample_rate = 24_000

    network = Refused(failures={"你好。": [Down("refused")] * 10})
    settings = VoiceSettings("espeak", "cmn")
    fallback = Fallback(EspeakEngine(settings))
    (speech,) = run(network, segments("你好。"), fallback=fallback)
    assert speech.fallback and speech.sample_rate == 24_000
    offline = EspeakEngine(settings).synthesize("你好。")
    assert abs(speech.duration_s - offline.duration_s) < 0.01
    # espeak-ng's timing varies by a fraction of a millisecond from call to call.
    assert [b.text for b in speech.boundaries] == [b.text for b in offline.boundaries]
    assert all(
        abs(a.end_s - b.end_s) < 0.01
        for a, b in zip(speech.boundaries, offline.boundaries, strict=True)
    )
