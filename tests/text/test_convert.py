from __future__ import annotations

import pytest

from audiobook.text.convert import DEFAULT_PROFILE, convert, convert_aligned


def test_default_gets_zhe_right() -> None:
    assert DEFAULT_PROFILE == "tw2s"
    assert convert("劉廣清便帶著護井員趕到現場") == "刘广清便带着护井员赶到现场"


def test_simplified_and_mixed_input_stays_right() -> None:
    assert convert("社区干部腾出手干实事") == "社区干部腾出手干实事"
    assert convert("社区干部騰出手干實事") == "社区干部腾出手干实事"


def test_aligned_keeps_length() -> None:
    text = "這裡的計劃著名"
    assert len(convert_aligned(text)) == len(text)


def test_unknown_profile() -> None:
    with pytest.raises(ValueError):
        convert("字", "xx")
