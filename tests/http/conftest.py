"""The black-box HTTP suite runs once per target: the dev host always, a real Openfire when one
is available (OPENFIRE_HOME, or Docker), reported as skipped with the reason otherwise."""
import pytest

from harness import targets


@pytest.fixture(scope="session", params=["devhost", "openfire"])
def target(request):
    if request.param == "openfire":
        request.applymarker(pytest.mark.openfire)
    return targets.get(request.config, request.param)


@pytest.fixture
def alice_token(target):
    return target.login("alice")


@pytest.fixture
def alice(target, alice_token):
    with target.client(alice_token) as client:
        yield client
