"""The process pool gives the same speech as one process, in order, and reports honestly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from audiobook.engines import create
from audiobook.engines.base import VoiceSettings
from audiobook.errors import EngineError
from audiobook.models import Speech
from audiobook.parallel import ItemError, synthesize_ordered

SETTINGS = VoiceSettings("espeak", "cmn")
TEXTS = [f"第{n}句话。" + "我们今天说到这个问题。" * (n % 4 + 1) for n in range(1, 13)]


@pytest.mark.slow
def test_same_speech_as_one_process_in_input_order() -> None:
    engine = create(SETTINGS)
    expected = [engine.synthesize(t).pcm for t in TEXTS]
    done = list(synthesize_ordered(SETTINGS, TEXTS, workers=2))
    assert [d.index for d in done] == list(range(len(TEXTS)))
    # espeak-ng varies a few samples with what it spoke before, so compare lengths: each
    # result must be its own text's (these texts differ by far more than that jitter).
    for d, pcm in zip(done, expected, strict=True):
        assert abs(len(d.speech.pcm) - len(pcm)) <= 0.01 * len(pcm)
    assert all(d.fresh for d in done)


@pytest.mark.slow
def test_cache_hits_skip_the_workers_and_progress_counts_each_item_once() -> None:
    marker = Speech(b"\x01\x00" * 100, 22050)
    reported: list[int] = []
    done = list(
        synthesize_ordered(
            SETTINGS,
            TEXTS,
            workers=2,
            cached=lambda i, _t: marker if i % 3 == 0 else None,
            on_done=reported.append,
        )
    )
    assert sorted(reported) == list(range(len(TEXTS)))
    for d in done:
        assert d.fresh == (d.index % 3 != 0)
        assert (d.speech == marker) == (d.index % 3 == 0)


@pytest.mark.slow
def test_reads_ahead_no_further_than_the_window() -> None:
    pulled: list[int] = []

    def texts() -> Iterator[str]:
        for n, text in enumerate(TEXTS):
            pulled.append(n)
            yield text

    results = synthesize_ordered(SETTINGS, texts(), workers=2, window=3)
    first = next(results)
    assert first.index == 0
    assert len(pulled) <= 3 + 1
    results.close()


def test_engine_errors_surface_as_engine_errors() -> None:
    # VoiceSettings refuses an unknown voice when made; one that skipped that check (as an
    # unpickled record does) still fails in the worker, and the failure names its item.
    unchecked = object.__new__(VoiceSettings)
    for name, value in zip(
        ("engine", "voice", "rate", "pitch", "volume"),
        ("espeak", "no-such-voice", "+0%", "+0Hz", "+0%"),
        strict=True,
    ):
        object.__setattr__(unchecked, name, value)
    with pytest.raises(EngineError, match="no voice") as caught:
        list(synthesize_ordered(unchecked, TEXTS[:2], workers=2))
    assert isinstance(caught.value, ItemError) and caught.value.index == 0
