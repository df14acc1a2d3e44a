"""Fixtures of the end-to-end tier: headless Chromium (Debian's chromium + chromedriver, driven by Selenium)."""

import os
import shutil
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.conftest import ROOT

CHROMIUM = os.environ.get("CHAINMAP_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHAINMAP_CHROMEDRIVER", "/usr/bin/chromedriver")
SHOTS = ROOT / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.fail(f"{CHROMIUM} and {CHROMEDRIVER} are needed (Debian packages chromium, chromium-driver; "
                    ".ci/run installs them)")
    profile = tempfile.mkdtemp(prefix="chainmap-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # The machine has no internet: without the background-networking switches Chromium keeps dialling out.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-extensions", "--window-size=1500,1300", f"--user-data-dir={profile}", "--lang=zh-CN"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


