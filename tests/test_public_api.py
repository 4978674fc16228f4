"""The package face (``audiobook.__all__``): every name a script may import resolves, to the
thing its module defines, and importing the package loads none of it."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import audiobook


@pytest.mark.parametrize("name", [n for n in audiobook.__all__ if n != "__version__"])
def test_every_public_name_resolves_to_its_module_s_object(name: str) -> None:
    value = getattr(audiobook, name)
    assert value is getattr(importlib.import_module(audiobook._EXPORTS[name]), name)
    assert getattr(value, "__module__", "").startswith("audiobook")


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError):
        audiobook.no_such_thing  # noqa: B018


def test_importing_the_package_loads_no_stage() -> None:
    code = (
        "import sys, audiobook; print(sorted(m for m in sys.modules if m.startswith('audiobook.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_front_end_runs_from_the_package_face() -> None:
    """What a script would write: read, clean, convert, structure, script, each a plain call."""
    cleaned = audiobook.clean("第一段。\n\n第二段，http://example.com 说完。\n")
    article = audiobook.structure(audiobook.convert(cleaned.text))
    segments = audiobook.script(article, normalise=True, max_chars=200)
    assert [r.rule for r in cleaned.removals] == ["url"]
    assert all(isinstance(s, audiobook.Segment) for s in segments)
    assert "".join(s.spoken_text for s in segments).startswith("第一段")
