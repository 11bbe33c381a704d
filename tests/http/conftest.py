"""The black-box HTTP suite runs once per target: the dev host always, a real Openfire when one
is available (OPENFIRE_HOME, or Docker), reported as skipped with the reason otherwise."""
import os
import shutil

import pytest

from harness import targets
from harness.openfire_admin import AdminConsole


@pytest.fixture(scope="session", params=["devhost", "openfire"])
def target(request):
    if request.param == "openfire":
        request.applymarker(pytest.mark.openfire)
    return targets.get(request.config, request.param)


@pytest.fixture(scope="module")
def groups(request, target):
    """"chess" open for self-service, "staff" (admin's) closed: the dev host has them from its
    start, a real Openfire gets them through its admin console, and loses them afterwards."""
    if target.name != "openfire":
        yield
        return
    console = AdminConsole(targets.get_server(request.config, "openfire"), target.users["admin"])
    console.create_group("chess")
    console.create_group("staff", ["admin"])
    console.save_settings(**{"sparkweb.groups.selfService": "chess"})
    yield
    console.save_settings(**{"sparkweb.groups.selfService": ""})
    console.delete_group("chess")
    console.delete_group("staff")
    console.close()


@pytest.fixture
def alice_token(target):
    return target.login("alice")


@pytest.fixture
def alice(target, alice_token):
    with target.client(alice_token) as client:
        yield client


# Debian's Chromium, driven by Playwright (no browser download); CHROMIUM overrides the path.
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which(
    "chromium-browser")


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for the page tests, skipped with the reason where there is none."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM:
        pytest.skip("no Chromium: install Debian's chromium package (or set CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()
