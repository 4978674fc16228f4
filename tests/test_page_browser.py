"""index.html in a real headless Chromium (Debian's ``chromium``, driven by Playwright):
the page is served by ``audiobook serve`` and a chapter link must seek its player."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from episode_builds import EXAMPLE, build, tiny_article

from audiobook.publish.store import Store
from audiobook.serve import running

CHROMIUM = next(
    (p for p in (shutil.which("chromium"), "/usr/bin/chromium", shutil.which("chromium-browser"))
     if p and Path(p).exists()),
    None,
)  # fmt: skip
playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (.ci/run installs it)"),
]


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    out = tmp_path_factory.mktemp("page")
    build(tiny_article(out.parent, "older", "较早的一篇"), out)
    build(EXAMPLE, out)
    with running(out) as url:
        yield url, out


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--mute-audio"],
        )
        yield instance
        instance.close()


def _newest(out: Path) -> object:
    return max(Store(out).episodes(), key=lambda r: r.pub_date)


def test_page_structure_is_accessible(page_url: tuple[str, Path], browser: object) -> None:
    url, out = page_url
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(url + "/")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.locator("header").count() == 1
    assert page.locator("main").count() == 1
    assert page.locator("footer").count() == 1
    assert page.locator("h1").count() == 1
    articles = page.locator("main article")
    assert articles.count() == 2
    for i in range(2):
        article = articles.nth(i)
        assert article.locator("h2").count() == 1
        assert article.locator("audio[controls]").count() == 1
        assert article.locator("nav a[data-seek]").count() >= 3
        label = article.get_attribute("aria-labelledby")
        assert page.locator(f"#{label}").inner_text() == article.locator("h2").inner_text()
    # The transcript is on the page, behind a native (keyboard-operable) disclosure.
    newest = _newest(out)
    first_cue = newest.cues[1].text  # type: ignore[attr-defined]
    summary = page.locator(f"#ep-{newest.id} summary")  # type: ignore[attr-defined]
    summary.focus()
    page.keyboard.press("Enter")
    assert page.get_by_text(first_cue, exact=False).first.is_visible()
    page.close()


def test_chapter_link_seeks_the_player(page_url: tuple[str, Path], browser: object) -> None:
    url, out = page_url
    newest = _newest(out)
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(url + "/")
    player = f"#audio-{newest.id}"  # type: ignore[attr-defined]
    page.wait_for_function(f"document.querySelector('{player}').readyState >= 1")
    duration = page.eval_on_selector(player, "a => a.duration")
    assert abs(duration - newest.duration_s) < 0.2  # type: ignore[attr-defined]
    chapters = newest.chapters  # type: ignore[attr-defined]
    links = page.locator(f"#ep-{newest.id} nav a[data-seek]")  # type: ignore[attr-defined]
    assert links.count() == len(chapters)

    # Mouse: click the second chapter.
    target = chapters[1].start_s
    links.nth(1).click()
    page.wait_for_function(
        f"Math.abs(document.querySelector('{player}').currentTime - {target}) < 1.0"
    )
    now = page.eval_on_selector(player, "a => a.currentTime")
    assert target - 0.05 <= now < target + 1.0

    # Keyboard: the third chapter's link, focused, activated with Enter.
    target = chapters[2].start_s
    links.nth(2).focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"Math.abs(document.querySelector('{player}').currentTime - {target}) < 1.0"
    )
    assert page.evaluate("document.activeElement.id") == player[1:]
    page.close()
