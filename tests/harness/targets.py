"""One running instance of each target per test session, started on first use and stopped at
the end. A target that cannot run here raises pytest's skip with the reason."""
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
    return value


def _start(config, name):
    if name == "devhost":
        host = DevHost()
        config.add_cleanup(host.stop)
        return "ok", (host.start(), host)
    from harness import openfire
    reason = openfire.unavailable_reason()
    if reason:
        return "skip", reason
    server = openfire.provision()
    config.add_cleanup(server.stop)
    return "ok", (server.start(), server)
