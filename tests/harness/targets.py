"""One running instance of each target per test session, started on first use and stopped at
the end. A target that cannot run here skips with the reason, or fails where it was asked for
(see harness.openfire.problem); a target that does not start fails every test that needs it,
without a second attempt."""
import pytest

from harness.devhost import DevHost

_STASH = pytest.StashKey()


def get(config, name):
    """The Target of a running ``name`` (devhost or openfire)."""
    return _running(config, name)[0]


def get_server(config, name):
    """The object that runs ``name``, for tests that reload the plugin or read logs."""
    return _running(config, name)[1]


def _running(config, name):
    running = config.stash.setdefault(_STASH, {})
    if name not in running:
        running[name] = _start(config, name)
    outcome, value = running[name]
    if outcome == "skip":
        pytest.skip(value)
    if outcome == "fail":
        pytest.fail(value, pytrace=False)
    return value


def _start(config, name):
    if name == "devhost":
        host = DevHost()
        config.add_cleanup(host.stop)
        return "ok", (host.start(), host)
    from harness import openfire
    trouble = openfire.problem()
    if trouble:
        return trouble
    server = openfire.provision()
    config.add_cleanup(server.stop)
    try:
        return "ok", (server.start(), server)
    except Exception as error:   # noqa: BLE001 - reported as the failure of every test using it
        return "fail", "the real Openfire did not start: %s" % error
