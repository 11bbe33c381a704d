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


def pytest_collection_modifyitems(session, config, items):
    """Tests marked ``log_check`` run last, so that they see what every other test of the
    session (tests/http on Openfire included) left in Openfire's log."""
    last = [item for item in items if item.get_closest_marker("log_check")]
    items[:] = [item for item in items if item not in last] + last
