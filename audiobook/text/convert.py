"""Traditional -> Simplified conversion through OpenCC.

The default profile was chosen by measurement (``bench/cer.py --profiles``): on the seed
article ``tw2s`` scores the same character error rate as ``t2s`` except that it also gets
著 -> 着 right in 帶著/看著 (Taiwan phrase data), so it wins. Already-Simplified text passes
through unchanged because OpenCC's Simplified tables map Simplified characters to themselves.
"""

from __future__ import annotations

from functools import lru_cache

import opencc

from audiobook.errors import ConfigError

DEFAULT_PROFILE = "tw2s"
#: Profiles a user may pick: OpenCC's config names that produce Simplified Chinese.
PROFILES = ("tw2s", "t2s", "hk2s", "tw2sp", "s2s")


@lru_cache(maxsize=8)
def _converter(profile: str) -> opencc.OpenCC | None:
    # Building a converter parses dictionaries (tens of ms); a build converts many strings.
    if profile == "s2s":
        return None
    return opencc.OpenCC(profile)


def convert(text: str, profile: str = DEFAULT_PROFILE) -> str:
    """Return ``text`` in Simplified Chinese; ``profile="s2s"`` leaves it as it is."""
    if profile not in PROFILES:
        choices = ", ".join(PROFILES)
        raise ConfigError(f"unknown OpenCC profile {profile!r}; choose one of {choices}")
    converter = _converter(profile)
    if converter is None or not text:
        return text
    return converter.convert(text)


def convert_aligned(text: str, profile: str = DEFAULT_PROFILE) -> str:
    """Convert but keep every character at its index (for analysis that maps spans back).

    OpenCC's Traditional->Simplified tables are almost always one character for one, but a
    phrase rule may change length; then fall back to converting character by character.
    """
    out = convert(text, profile)
    if len(out) == len(text):
        return out
    converter = _converter(profile)
    assert converter is not None
    pieces = [converter.convert(ch) for ch in text]
    return "".join(p if len(p) == 1 else ch for p, ch in zip(pieces, text, strict=True))
