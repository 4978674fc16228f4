"""index.html checked by axe-core (WCAG 2.1 A and AA rules) in a real headless Chromium, in
the light and the dark colour scheme, with every download an episode can offer (DAISY,
EPUB, M4B): contrast, labels, landmarks and headings stay right as the page grows.

axe-core is vendored under tests/vendor/axe-core (unmodified, MPL-2.0); the test skips where
Chromium or Playwright is missing (.ci/run installs Chromium)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from episode_builds import EXAMPLE, build, tiny_article
from test_page_browser import CHROMIUM

from audiobook.serve import running

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (.ci/run installs it)"),
]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("axe")
    build(tiny_article(out.parent, "editions", "全部版本"), out, "--daisy", "--epub", "--m4b")
    build(EXAMPLE, out)
    with running(out) as url:
        yield url


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_page_has_no_axe_violations(page_url: str, scheme: str) -> None:
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(color_scheme=scheme)
            page.goto(page_url + "/")
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG21_AA
            )
        finally:
            browser.close()
    violations = [
        (v["id"], [n["target"] for n in v["nodes"]], v["nodes"][0].get("failureSummary"))
        for v in result["violations"]
    ]
    assert violations == []
    assert result["passes"]  # axe ran its rules (an empty run would pass vacuously)
