"""The report in a real browser: Debian's headless chromium driven by selenium.

The page loads with no console error (a Content-Security-Policy violation or a script error
would be one), the gallery's images decode, a filter changes which cards are shown, the hostile
query is shown as text and no alert opens. A screenshot is saved to tmp_path, and under
``$MEDGROUND_SCREENSHOTS`` when that is set. Without chromium the test skips, except in CI
(``$CI`` set), where it fails: ``make chromium`` (scripts/ensure-chromium.sh) installs it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_tiny import HOSTILE_QUERY, make_tiny

from medground.report import write_report

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


def _require_chromium() -> None:
    missing = [str(p) for p in (CHROMIUM, DRIVER) if not p.exists()]
    if not missing:
        return
    why = f"{' and '.join(missing)} not found: run `make chromium` (scripts/ensure-chromium.sh)"
    if os.environ.get("CI"):
        pytest.fail(f"CI: the browser test must run; {why}")
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--window-size=1280,1600"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _visible(driver: Any) -> int:
    from selenium.webdriver.common.by import By

    return sum(card.is_displayed() for card in driver.find_elements(By.CSS_SELECTOR, ".card"))


def test_page_loads_shows_images_and_filters(browser: Any, tmp_path: Path) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    page = write_report(make_tiny(tmp_path / "tiny"))
    browser.get(page.resolve().as_uri())
    assert browser.execute_script("return document.readyState") == "complete"

    images = browser.find_elements(By.CSS_SELECTOR, ".card img")
    widths = [browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth",
                                     img) for img in images]
    assert len(widths) == 6 and all(w and w > 0 for w in widths), widths

    queries = [q.text for q in browser.find_elements(By.CSS_SELECTOR, ".query")]
    assert HOSTILE_QUERY in queries  # shown as text, not run
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018  (reading it is what raises)

    before = _visible(browser)
    Select(browser.find_element(By.ID, "filter-modality")).select_by_visible_text("MR (1)")
    after_modality = _visible(browser)
    Select(browser.find_element(By.ID, "filter-modality")).select_by_value("")
    Select(browser.find_element(By.ID, "filter-verdict")).select_by_value("rejected")
    after_verdict = _visible(browser)
    shown = browser.find_element(By.ID, "shown").text
    assert (before, after_modality, after_verdict, shown) == (6, 1, 2, "2")
    browser.find_element(By.ID, "reset").click()
    assert _visible(browser) == 6

    shot = tmp_path / "report.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 0
    if folder := os.environ.get("MEDGROUND_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, Path(folder) / "report.png")

    severe = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert severe == []
