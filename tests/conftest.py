"""Shared fixtures. Tests never reach the network: the edge endpoint points at our own fake
service (tests/fakes) or at a closed local port, so ``auto`` falls back to the offline voice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from audiobook.engines.edge import ENDPOINT_ENV

# Imported here as well as loaded as a plugin: rewrite its asserts before the import does.
pytest.register_assert_rewrite("tests.fakes.fixtures")
from tests.fakes.fixtures import closed_port  # noqa: E402

pytest_plugins = ["tests.fakes.fixtures"]

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLE = ROOT / "examples" / "jianfu.txt"


@pytest.fixture(scope="session")
def _word_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dictionary store (see audiobook.text.wordstore), built once for the session: it is
    derived from jieba's installed dictionary alone, so tests may share it, and building it
    in every subprocess build would cost two seconds each."""
    from audiobook.text import wordstore

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("words")))
        folder = wordstore._cache_dir()
        wordstore.release()
        wordstore.store()
        wordstore.release()
    assert folder is not None and folder.is_dir()
    return folder


def _isolate(patch: pytest.MonkeyPatch, cache: Path, word_store: Path) -> None:
    """Point edge at a closed local port and the caches at ``cache`` (empty but for the
    session's word store), so nothing talks to Microsoft or shares the user's cache."""
    patch.setenv(ENDPOINT_ENV, f"ws://127.0.0.1:{closed_port()}/edge/v1?x=1")
    patch.setenv("XDG_CACHE_HOME", str(cache))
    (cache / "audiobook").mkdir()
    (cache / "audiobook" / word_store.name).symlink_to(word_store, target_is_directory=True)


@pytest.fixture(scope="module", autouse=True)
def _offline_module(tmp_path_factory: pytest.TempPathFactory, _word_store: Path) -> Iterator[None]:
    """The same isolation for a whole module: module-scoped fixtures (episodes built once
    per module) run before any function-scoped ``_offline``."""
    with pytest.MonkeyPatch.context() as patch:
        _isolate(patch, tmp_path_factory.mktemp("module-cache"), _word_store)
        yield


@pytest.fixture(autouse=True)
def _offline(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory, _word_store: Path
) -> None:
    """No test may talk to Microsoft, and none may share the user's segment cache."""
    _isolate(monkeypatch, tmp_path_factory.mktemp("cache"), _word_store)


@pytest.fixture
def seed_article() -> Path:
    path = SHARED / "corpus" / "seed-article.txt"
    if not path.exists():
        pytest.skip("../shared/corpus is not here (fresh clone)")
    return path
