"""Voice settings are checked once, in one record (engines.base.VoiceSettings), before any
speech, on every path in: CLI options, profile files and overrides, for every engine.

A bad value is bad configuration (exit 2, one line), never a speech failure (exit 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLE
from typer.testing import CliRunner

from audiobook import profiles
from audiobook.cli import app
from audiobook.engines.base import VoiceSettings
from audiobook.errors import ConfigError
from tests.fakes.edge_service import FakeEdgeService

runner = CliRunner()

BAD = [
    ("--rate", "fast", "rate"),
    ("--rate", "10%", "rate"),  # unsigned: edge_tts refuses it, so every engine does
    ("--rate", "+500%", "rate"),
    ("--pitch", "+5%", "pitch"),
    ("--pitch", "high", "pitch"),
    ("--volume", "loud", "volume"),
    ("--volume", "-100%", "volume"),  # silence
]


def _refused(result: object, out: Path, word: str) -> None:
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("error: ") and word in lines[0], lines
    assert not (out / "feed.xml").exists()


@pytest.mark.parametrize(("option", "value", "word"), BAD)
@pytest.mark.parametrize("engine", ["espeak", "edge", "auto"])
def test_bad_settings_exit_2_before_speech_on_every_engine(
    engine: str, option: str, value: str, word: str, edge_service: FakeEdgeService,
    tmp_path: Path,
) -> None:  # fmt: skip
    out = tmp_path / "out"
    args = ["build", str(EXAMPLE), "-o", str(out), "--engine", engine, option, value]
    _refused(runner.invoke(app, args), out, word)
    assert edge_service.stats.handshakes == 0  # not even the auto probe was sent


@pytest.mark.parametrize(
    ("engine", "voice"),
    [("espeak", "no-such-voice"), ("edge", "Yunyang"), ("edge", "cmn"), ("auto", "xiaoxiao")],
)
def test_bad_voice_names_exit_2_before_speech(
    engine: str, voice: str, edge_service: FakeEdgeService, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ["build", str(EXAMPLE), "-o", str(out), "--engine", engine, "--voice", voice]
    _refused(runner.invoke(app, args), out, repr(voice))
    assert edge_service.stats.handshakes == 0


@pytest.mark.parametrize(
    ("line", "word"),
    [
        ('rate = "fast"', "rate"),
        ('pitch = "+5"', "pitch"),
        ("volume = 10", "volume"),
        ('offline_voice = "klingon"', "klingon"),
        ('voice = "Yunyang"', "Yunyang"),
    ],
)
@pytest.mark.parametrize("engine", ["espeak", "edge", "auto"])
def test_bad_settings_in_a_profile_file_exit_2(
    engine: str, line: str, word: str, edge_service: FakeEdgeService, tmp_path: Path
) -> None:
    voice = "cmn" if engine == "espeak" else "zh-CN-YunyangNeural"
    fields = {"engine": f'"{engine}"', "voice": f'"{voice}"'}
    key, _, value = line.partition(" = ")
    if engine == "espeak" and key == "voice":
        value = '"klingon"'
        word = "klingon"
    fields[key] = value
    profile = tmp_path / "mine.toml"
    profile.write_text("".join(f"{k} = {v}\n" for k, v in fields.items()), "utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(EXAMPLE), "-o", str(out), "-p", str(profile)])
    _refused(result, out, word)
    assert str(profile) in result.stderr
    assert edge_service.stats.handshakes == 0


def test_overrides_are_checked_like_profiles() -> None:
    base = profiles.load("auto")
    with pytest.raises(ConfigError, match="rate"):
        profiles.with_overrides(base, rate="fast")
    with pytest.raises(ConfigError, match="no voice 'klingon'"):
        profiles.with_overrides(base, engine="espeak", voice="klingon")
    assert profiles.with_overrides(base, rate="+20%").settings.rate == "+20%"


@pytest.mark.parametrize(
    "fields",
    [
        {"rate": "fast"},
        {"rate": "+0"},
        {"pitch": "+0%"},
        {"volume": "+0Hz"},
        {"rate": "+101%"},
        {"pitch": "-101Hz"},
        {"rate": " +0%"},
        {"rate": "+١٠%"},  # digits, but not ASCII ones
    ],
)
@pytest.mark.parametrize("engine", ["espeak", "edge"])
def test_the_record_itself_refuses_bad_values(engine: str, fields: dict[str, str]) -> None:
    voice = "cmn" if engine == "espeak" else "zh-CN-YunyangNeural"
    with pytest.raises(ConfigError):
        VoiceSettings(engine, voice, **fields)


def test_good_values_pass_on_both_engines() -> None:
    for engine, voice in [("espeak", "cmn"), ("edge", "zh-CN-XiaoxiaoNeural")]:
        low = VoiceSettings(engine, voice, "-50%", "+100Hz", "-90%")
        high = VoiceSettings(engine, voice, "+100%", "-100Hz", "+100%")
        assert (low.rate, low.pitch, low.volume) == ("-50%", "+100Hz", "-90%")
        assert (high.rate, high.pitch, high.volume) == ("+100%", "-100Hz", "+100%")
    VoiceSettings("edge", "zh-CN-liaoning-XiaobeiNeural")
    VoiceSettings("edge", "Microsoft Server Speech Text to Speech Voice (zh-CN, YunyangNeural)")
