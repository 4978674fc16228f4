"""Shared fixtures. Tests never reach the network: the edge endpoint points at our own fake
service (tests/fakes) or at a closed local port, so ``auto`` falls back to the offline voice."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from audiobook.engines.edge import ENDPOINT_ENV

# Imported here as well as loaded as a plugin: rewrite its asserts before the import does.
pytest.register_assert_rewrite("tests.fakes.fixtures")
from tests.fakes.fixtures import closed_port  # noqa: E402

pytest_plugins = ["tests.fakes.fixtures"]

# Hypothesis fails an example that takes over 200 ms; on a loaded machine (CI's two cores,
# two pytest-xdist workers, ffmpeg beside them) that is the machine, not the code.
settings.register_profile("audiobook", deadline=None)
settings.load_profile("audiobook")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLE = ROOT / "examples" / "jianfu.txt"


@pytest.fixture(scope="session")
def _stores(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The derived stores (jieba's dictionary, see audiobook.text.wordstore; pypinyin's, see
    audiobook.publish.pinyin), built once for the test run: they come from installed packages
    alone, so tests may share them, and building them in every subprocess build would cost
    seconds each. (The tests of building and rebuilding build their own, in their tmp_path.)"""
    from filelock import FileLock

    from audiobook.publish import pinyin
    from audiobook.text import wordstore

    # Under pytest-xdist each worker is a session of its own; they share the run's base
    # temporary folder (the parent of their own). The stores live beside the runs' folders
    # (pytest keeps its last few, and never touches a sibling it did not make), so the first
    # worker of the first run builds and every later one opens: the stores are named by a
    # digest of their sources and versions (derived_folder), so a changed jieba or pypinyin
    # gets a new folder, and a damaged one is rebuilt on opening.
    run = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run = run.parent
    shared = run.parent / "audiobook-stores"
    shared.mkdir(exist_ok=True)
    with (
        FileLock(str(shared / "words.lock")),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setenv("XDG_CACHE_HOME", str(shared / "words"))
        folders = [wordstore.cache_folder(), pinyin.cache_folder()]
        wordstore.release()
        wordstore.store()
        wordstore.release()
        pinyin._store.cache_clear()
        pinyin.lazy_pinyin("中")
        pinyin._store.cache_clear()
    assert all(f is not None and f.is_dir() for f in folders)
    return [f for f in folders if f is not None]


def _isolate(patch: pytest.MonkeyPatch, cache: Path, stores: list[Path]) -> None:
    """Point edge at a closed local port and the caches at ``cache`` (empty but for the
    session's derived stores), so nothing talks to Microsoft or shares the user's cache."""
    patch.setenv(ENDPOINT_ENV, f"ws://127.0.0.1:{closed_port()}/edge/v1?x=1")
    patch.setenv("XDG_CACHE_HOME", str(cache))
    # Installed neural voices too: the user's own would change what ``auto`` picks.
    patch.setenv("AUDIOBOOK_DATA_DIR", str(cache / "data"))
    (cache / "audiobook").mkdir()
    for folder in stores:
        (cache / "audiobook" / folder.name).symlink_to(folder, target_is_directory=True)


@pytest.fixture(scope="module", autouse=True)
def _offline_module(
    tmp_path_factory: pytest.TempPathFactory, _stores: list[Path]
) -> Iterator[None]:
    """The same isolation for a whole module: module-scoped fixtures (episodes built once
    per module) run before any function-scoped ``_offline``."""
    with pytest.MonkeyPatch.context() as patch:
        _isolate(patch, tmp_path_factory.mktemp("module-cache"), _stores)
        yield


@pytest.fixture(autouse=True)
def _offline(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
    _stores: list[Path],
) -> None:
    """No test may talk to Microsoft, and none may share the user's segment cache."""
    _isolate(monkeypatch, tmp_path_factory.mktemp("cache"), _stores)


@pytest.fixture
def seed_article() -> Path:
    path = SHARED / "corpus" / "seed-article.txt"
    if not path.exists():
        pytest.skip("../shared/corpus is not here (fresh clone)")
    return path
