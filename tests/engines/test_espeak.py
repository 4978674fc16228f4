from __future__ import annotations

import g2p
import pytest

from audiobook.engines.base import VoiceSettings
from audiobook.engines.espeak import EspeakEngine, list_voices
from audiobook.errors import ConfigError


def test_speaks_mandarin_with_word_timings() -> None:
    engine = EspeakEngine(VoiceSettings("espeak", "cmn"))
    speech = engine.synthesize("社区干部腾出手干实事。")
    assert speech.sample_rate == 22050
    assert 1.0 < speech.duration_s < 6.0
    words = [b for b in speech.boundaries if b.kind == "word"]
    assert words and all(0 <= b.start_s < b.end_s <= speech.duration_s + 0.01 for b in words)
    assert "".join(b.text for b in words).startswith("社区")


def test_rate_changes_duration() -> None:
    slow = EspeakEngine(VoiceSettings("espeak", "cmn", rate="-30%")).synthesize("今天天气很好。")
    fast = EspeakEngine(VoiceSettings("espeak", "cmn", rate="+50%")).synthesize("今天天气很好。")
    assert slow.duration_s > fast.duration_s * 1.3


def test_bad_settings_are_config_errors() -> None:
    """Refused by the settings record, before an engine exists (tests/test_voice_settings)."""
    with pytest.raises(ConfigError, match="rate"):
        VoiceSettings("espeak", "cmn", rate="fast")
    with pytest.raises(ConfigError, match="no voice 'no-such-voice'"):
        VoiceSettings("espeak", "no-such-voice")


def test_word_level_g2p_reads_polyphones() -> None:
    """espeak-ng's own Mandarin dictionary is the offline voice's G2P (bench/g2p.py)."""
    right = sum(g2p.espeak_tones(word) == tones for word, tones in g2p.CASES)
    assert right >= len(g2p.CASES) - 1


def test_lists_chinese_voices() -> None:
    names = {v["name"] for v in list_voices("zh")}
    assert "cmn" in names
