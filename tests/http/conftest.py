"""The black-box HTTP suite runs once per target: the dev host always, a real Openfire when one
is available (OPENFIRE_HOME, or Docker), reported as skipped with the reason otherwise."""
import pytest

from harness import targets
from harness.browser import chromium
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


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for the page tests (harness.browser), skipped where there is none."""
    with chromium() as browser:
        yield browser
