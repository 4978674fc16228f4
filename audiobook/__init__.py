"""audiobook: turn a written article into a produced, chaptered audio edition and podcast feed.

The library API mirrors the CLI: :func:`build` does what ``audiobook build`` does,
:func:`prepare` what ``audiobook sections`` shows, and each stage of the text front end is a
pure function a script can call on its own (:func:`load`, :func:`clean`, :func:`convert`,
:func:`structure`, :func:`script`, :func:`normalise`), over the frozen records of
:mod:`audiobook.models`. Errors are the types of :mod:`audiobook.errors`.

The names below are looked up when first used, so ``import audiobook`` stays cheap (the text
models and the audio code load only when a script asks for them).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS = {
    # Reading and the text front end, stage by stage.
    "load": "audiobook.inputs",
    "read_source": "audiobook.text.read",
    "clean": "audiobook.text.clean",
    "convert": "audiobook.text.convert",
    "structure": "audiobook.text.structure",
    "script": "audiobook.text.script",
    "normalise": "audiobook.text.normalise",
    # The whole build, as the CLI runs it.
    "prepare": "audiobook.pipeline",
    "build": "audiobook.pipeline",
    "build_edition": "audiobook.edition",
    "BuildOptions": "audiobook.pipeline",
    "BuildResult": "audiobook.pipeline",
    "CleanOptions": "audiobook.pipeline",
    "Prepared": "audiobook.pipeline",
    "Reporter": "audiobook.pipeline",
    # The records.
    "Document": "audiobook.models",
    "Removal": "audiobook.models",
    "Cleaned": "audiobook.models",
    "Section": "audiobook.models",
    "Article": "audiobook.models",
    "Segment": "audiobook.models",
    "Boundary": "audiobook.models",
    "Speech": "audiobook.models",
    "Chapter": "audiobook.models",
    "Cue": "audiobook.models",
    "Loudness": "audiobook.models",
    "Episode": "audiobook.models",
    # Errors, each mapped by the CLI to one line and an exit code.
    "AudiobookError": "audiobook.errors",
    "InputError": "audiobook.errors",
    "ConfigError": "audiobook.errors",
    "EngineError": "audiobook.errors",
    "PublishError": "audiobook.errors",
    "FetchError": "audiobook.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'audiobook' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
