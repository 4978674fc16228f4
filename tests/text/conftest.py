from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "text"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SEED = SHARED / "corpus" / "seed-article.txt"


def news_fixtures() -> list[Path]:
    return sorted((FIXTURES / "news").glob("*.txt"))


@pytest.fixture
def seed_text() -> str:
    if not SEED.is_file():
        pytest.skip("../shared/corpus is not present")
    return SEED.read_text("utf-8")
