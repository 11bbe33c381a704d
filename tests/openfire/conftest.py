"""Tests that only mean something on a real Openfire: an XMPP peer, plugin reloads, start-up
time. Skipped with the reason where no real Openfire is available."""
import pytest

from harness import targets

pytestmark = pytest.mark.openfire


@pytest.fixture(scope="session")
def target(request):
    return targets.get(request.config, "openfire")


@pytest.fixture(scope="session")
def server(request, target):
    return targets.get_server(request.config, "openfire")
