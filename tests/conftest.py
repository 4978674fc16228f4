"""Shared fixtures. Tests never reach the network: the edge endpoint points at our own fake
service (tests/fakes) or at a closed local port, so ``auto`` falls back to the offline voice."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

pytest_plugins = ["tests.fakes.fixtures"]

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLE = ROOT / "examples" / "jianfu.txt"


def closed_port() -> int:
    """A local port nobody listens on (bound then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


@pytest.fixture(autouse=True)
def _offline(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory, _word_store: Path
) -> None:
    """No test may talk to Microsoft, and none may share the user's segment cache."""
    monkeypatch.setenv("AUDIOBOOK_EDGE_ENDPOINT", f"ws://127.0.0.1:{closed_port()}/edge/v1?x=1")
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    (cache / "audiobook").mkdir()
    (cache / "audiobook" / _word_store.name).symlink_to(_word_store, target_is_directory=True)


@pytest.fixture
def seed_article() -> Path:
    path = SHARED / "corpus" / "seed-article.txt"
    if not path.exists():
        pytest.skip("../shared/corpus is not here (fresh clone)")
    return path
