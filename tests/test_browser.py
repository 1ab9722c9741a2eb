"""The report in a real browser: no script runs, no console error, every figure loads, no request
leaves the machine. Needs Debian's chromium and chromium-driver (installed by .ci/run)."""

from __future__ import annotations

import os
import shutil

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("CI"):
        raise RuntimeError("CI must have chromium and chromedriver: .ci/run installs them")
    pytest.skip("chromium or chromedriver not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(1280, 2000)
    yield driver
    driver.quit()


PAGES = ["index.html", "01_clean.html", "02_entities.html", "03_charts.html", "../index.html"]


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    """Where full-page screenshots are kept for a person to look at (``NEWSDESK_SCREENSHOTS``,
    else a pytest temporary folder, printed at the end of the run)."""
    from pathlib import Path

    folder = Path(os.environ.get("NEWSDESK_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    print(f"\nbrowser screenshots: {folder}")


def full_page_screenshot(browser, target) -> None:
    """The whole page, not only the window: the window is made as tall as the page."""
    width = browser.get_window_size()["width"]
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(width, min(height + 100, 16000))
    browser.save_screenshot(str(target))
    browser.set_window_size(width, 2000)


@pytest.mark.parametrize("page", PAGES)
def test_page_is_safe_complete_and_offline(browser, fixture_run, page, screenshots):
    from selenium.common.exceptions import NoAlertPresentException

    _, run_dir, _ = fixture_run
    browser.get((run_dir / page).resolve().as_uri())
    browser.get_log("browser")  # drop what an earlier page left
    browser.refresh()
    assert browser.execute_script("return window.__pwned === undefined")
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018  (reading it is the check)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    broken = browser.execute_script(
        "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    assert broken == []
    remote = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith('file:') "
        "&& !n.startsWith('data:'))")
    assert remote == []
    target = screenshots / f"{page.replace('../', 'runs_').replace('/', '_')}.png"
    full_page_screenshot(browser, target)
    assert target.stat().st_size > 0


SHOWN_FIGURES = ("return Array.from(document.images).filter(i => i.complete && i.naturalWidth > 200 "
                 "&& i.getBoundingClientRect().width > 200).length")


@pytest.mark.parametrize("page", ["index.html", "03_charts.html"])
def test_figures_are_drawn_on_the_page(browser, fixture_run, page):
    _, run_dir, _ = fixture_run
    browser.get((run_dir / page).resolve().as_uri())
    assert browser.execute_script(SHOWN_FIGURES) >= 7
    body = browser.execute_script("return document.body.innerText")
    assert "<Figure size" not in body


def test_index_shows_every_figure_and_the_hostile_text_as_text(browser, fixture_run):
    _, run_dir, _ = fixture_run
    browser.get((run_dir / "index.html").resolve().as_uri())
    images = browser.execute_script("return document.images.length")
    assert images >= 7
    body = browser.execute_script("return document.body.innerText")
    assert "Newsdesk report" in body


@pytest.mark.parametrize("page", ["01_clean.html", "02_entities.html"])
def test_hostile_article_text_is_shown_not_run(browser, fixture_run, page):
    _, run_dir, _ = fixture_run
    browser.get((run_dir / page).resolve().as_uri())
    body = browser.execute_script("return document.body.innerText")
    assert "onerror=alert(1)" in body  # the article's words, displayed as words
    assert browser.execute_script("return window.__pwned === undefined")
