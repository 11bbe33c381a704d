"""Debian's Chromium driven by Playwright (no browser download); CHROMIUM overrides the path.
Shared by the page tests of tests/http and tests/openfire."""
import contextlib
import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which(
    "chromium-browser")


@contextlib.contextmanager
def chromium():
    """A headless Chromium, or the calling test skipped with the reason where there is none."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM:
        pytest.skip("no Chromium: install Debian's chromium package (or set CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()
